#!/usr/bin/env bash
# build-upstream.sh - builds, with the `go` client from their published Go modules, the upstream programs the
# real-host tests run, and caches them by version outside the clone (a second run costs seconds):
#   kubernetes-<v>/bin: kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy
#                       (version stamped at link time: kubeadm compares it), for every version in K8S_VERSIONS
#   etcd-<v>/bin:       etcd etcdctl etcdutl
#   coredns-<v>/bin:    coredns      (the tag kubeadm expects for each Kubernetes version)
#   flannel-<v>/bin:    flanneld     (the test bed's CNI)
#   pause-<v>/bin:      pause        (upstream's pause.c from the Kubernetes module, static)
#   crictl-<v>/bin:     crictl       (kubeadm's preflight wants it, as the cri-tools package ships it)
#   pulumi-<v>-nodejs-<v>/bin: pulumi (the CLI and engine), pulumi-language-nodejs (the Node.js language
#                       host) and pulumi-resource-pulumi-nodejs (the dynamic-provider script), side by side as
#                       Pulumi's own distribution has them: the CLI takes its language hosts from its own
#                       directory and no other (they cannot be `pulumi plugin install`ed)
#   yaml-host-<v>/bin:  pulumi-language-yaml (Pulumi YAML's language host, github.com/pulumi/pulumi-yaml), which the
#                       cross-language test puts beside the CLI (hard links) for a YAML program
# usage: build-upstream.sh [all|kubernetes|etcd|coredns|flannel|pause|crictl|pulumi|yaml-host VERSION]
# env:   TESTBED_CACHE (default /var/cache/pulumi-k8s-ha-testbed); versions below.
set -euo pipefail
export PATH=/usr/local/go/bin:$PATH
CACHE=${TESTBED_CACHE:-/var/cache/pulumi-k8s-ha-testbed}
# Versions: the library's default Kubernetes, the newest 1.33.x the module proxy serves (the upgrade work),
# and the etcd / CoreDNS / pause tags kubeadm 1.34.2 and 1.33.13 ask for (cmd/kubeadm/app/constants).
K8S_VERSIONS=${K8S_VERSIONS:-"v1.34.2 v1.33.13"}
ETCD_VERSIONS=${ETCD_VERSIONS:-"v3.6.5"}
COREDNS_VERSIONS=${COREDNS_VERSIONS:-"v1.12.1 v1.12.0"}
PAUSE_VERSIONS=${PAUSE_VERSIONS:-"3.10.1 3.10"}
FLANNEL_VERSION=${FLANNEL_VERSION:-v0.27.4}
CRICTL_VERSION=${CRICTL_VERSION:-v1.34.0}
# Pulumi: our @pulumi/pulumi is 3.270.0, but the proxy refuses pkg/v3@v3.270.0's source; v3.274.1 is the nearest
# it serves. The Node.js language host left the sdk/v3 module for a module of its own after v3.68.0, and the
# proxy serves none of that module's versions: v3.68.0 is the newest language host published in a served module.
PULUMI_VERSION=${PULUMI_VERSION:-v3.274.1}
PULUMI_NODEJS_HOST_VERSION=${PULUMI_NODEJS_HOST_VERSION:-v3.68.0}
# Pulumi YAML: v1.25.0 is the newest version the proxy serves (it lists v1.11.1 and v1.25.0).
PULUMI_YAML_VERSION=${PULUMI_YAML_VERSION:-v1.25.0}
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$CACHE/gomod} GOCACHE=${GOCACHE:-$CACHE/gocache}

log() { echo "build-upstream: $*" >&2; }
# done_or_build NAME-VERSION FUNCTION ARGS...: runs the build into a temporary directory and renames it into
# the cache only when it succeeded, so an interrupted build never leaves a half-filled entry.
done_or_build() {
  local entry=$1; shift
  if [ -f "$CACHE/$entry/.complete" ]; then log "$entry: cached"; return 0; fi
  local tmp="$CACHE/.tmp-$entry" t0=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp/bin" "$tmp/src"
  log "$entry: building"
  ( "$@" "$tmp" )  # a subshell: the build functions cd into $tmp/src, which is removed below
  rm -rf "$tmp/src"; touch "$tmp/.complete"
  rm -rf "${CACHE:?}/$entry"; mv "$tmp" "$CACHE/$entry"
  log "$entry: built in $((SECONDS - t0)) s ($(du -sh "$CACHE/$entry" | cut -f1))"
}

build_kubernetes() { # $1=version $2=out
  local v=$1 out=$2 minor major rest staging
  major=${v#v}; major=${major%%.*}; rest=${v#v"$major".}; minor=${rest%%.*}
  cd "$out/src"
  go mod download -json "k8s.io/kubernetes@$v" > dl.json
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging paths, which a
  # build outside its repository ignores: replace each with its published v0.<minor>.<patch>.
  staging=$(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$(sed -n 's/.*"GoMod": "\(.*\)",/\1/p' dl.json)")
  { echo "module testbed/kubernetes"; echo; echo "go 1.24"; echo; echo "require k8s.io/kubernetes $v"; echo
    echo "replace ("; for m in $staging; do echo "	$m => $m v0.${v#v"$major".}"; done; echo ")"; } > go.mod
  local pkgs=() c
  for c in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  go get "${pkgs[@]/%/@$v}" 2>go-get.log || { cat go-get.log >&2; return 1; }
  local x="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitCommit=0000000000000000000000000000000000000000"
    x+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"; done
  go build -trimpath -ldflags "-s -w$x" -o "$out/bin/" "${pkgs[@]}"
  "$out/bin/kubeadm" version -o short | grep -qx "$v"
}

build_etcd() { # $1=version $2=out
  local v=$1 out=$2
  cd "$out/src"
  printf 'module testbed/etcd\n\ngo 1.24\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@$v" "go.etcd.io/etcd/etcdctl/v3@$v" "go.etcd.io/etcd/etcdutl/v3@$v" \
    "go.etcd.io/etcd/api/v3@$v" "go.etcd.io/etcd/client/v3@$v" "go.etcd.io/etcd/client/pkg/v3@$v" "go.etcd.io/etcd/pkg/v3@$v" 2>"$out/src/go-get.log" || { cat "$out/src/go-get.log" >&2; return 1; }
  # each module's main package sits at its root (named "v3" by go build): build them one by one, named
  go build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" go.etcd.io/etcd/server/v3
  go build -trimpath -ldflags "-s -w" -o "$out/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3
  go build -trimpath -ldflags "-s -w" -o "$out/bin/etcdutl" go.etcd.io/etcd/etcdutl/v3
  "$out/bin/etcd" --version | grep -q "etcd Version: ${v#v}"
}

build_coredns() { # $1=version $2=out
  GOBIN="$2/bin" go install -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=${1}" "github.com/coredns/coredns@$1"
  "$2/bin/coredns" -version | grep -q "CoreDNS-${1#v}"
}

build_flannel() { # $1=version $2=out
  # the udp backend is cgo (as upstream's Makefile builds it): a static cgo binary
  CGO_ENABLED=1 GOBIN="$2/bin" go install -trimpath -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$1 -extldflags -static" "github.com/flannel-io/flannel@$1"
  mv "$2/bin/flannel" "$2/bin/flanneld"
}

build_crictl() { # $1=version $2=out
  GOBIN="$2/bin" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$1" "sigs.k8s.io/cri-tools/cmd/crictl@$1"
  "$2/bin/crictl" --version | grep -q "${1#v}"
}

build_pause() { # $1=version $2=out  (pause.c ships in the Kubernetes module: build/pause/linux)
  local dir
  dir=$(go mod download -json "k8s.io/kubernetes@$(echo "$K8S_VERSIONS" | awk '{print $1}')" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  gcc -Os -Wall -Werror -static -DVERSION="v$1" -o "$2/bin/pause" "$dir/build/pause/linux/pause.c"
  strip "$2/bin/pause"
}

# copy_module MODULE@VERSION: the module's published source, writable, into the current directory (a module
# with replace directives cannot be built with `go install`: it is built as the main module instead).
copy_module() {
  cp -r "$(go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')/." . && chmod -R u+w .
}
# version is what `pulumi version` and the plugin handshake report
pulumi_ldflags() { echo "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$1"; }

build_pulumi() { # $1=CLI version $2=out; the language host at $PULUMI_NODEJS_HOST_VERSION
  local host=$PULUMI_NODEJS_HOST_VERSION
  mkdir "$2/src/cli" "$2/src/host"
  # pkg/v3 replaces sdk/v3 by ../sdk (its repository): take the published sdk of the same version
  ( cd "$2/src/cli" && copy_module "github.com/pulumi/pulumi/pkg/v3@$1"
    go mod edit -replace "github.com/pulumi/pulumi/sdk/v3=github.com/pulumi/pulumi/sdk/v3@$1"
    go build -mod=mod -trimpath -ldflags "$(pulumi_ldflags "$1")" -o "$2/bin/pulumi" ./cmd/pulumi )
  ( cd "$2/src/host" && copy_module "github.com/pulumi/pulumi/sdk/v3@$host"
    go build -mod=mod -trimpath -ldflags "$(pulumi_ldflags "$host")" -o "$2/bin/pulumi-language-nodejs" ./nodejs/cmd/pulumi-language-nodejs )
  "$2/bin/pulumi" version | grep -qx "$1"
  add_dynamic_provider "$1" "$2"
}

build_yaml_host() { # $1=version $2=out  (its own module: `go install` resolves its dependencies as its go.mod says)
  GOFLAGS="$GOFLAGS -mod=mod" GOBIN="$2/bin" go install -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$1" \
    "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$1"
  [ -x "$2/bin/pulumi-language-yaml" ]
}

# add_dynamic_provider CLI_VERSION DIR: the engine runs a program's dynamic providers (pulumi.dynamic.Resource)
# through pulumi-resource-pulumi-nodejs, a script the CLI distribution carries beside the language host; it is
# published in the sdk module (nodejs/dist). Also run for a cached entry that predates it (a copy, idempotent).
add_dynamic_provider() {
  [ -x "$2/bin/pulumi-resource-pulumi-nodejs" ] && return 0
  install -m 0755 "$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$1" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')/nodejs/dist/pulumi-resource-pulumi-nodejs" "$2/bin/"
}

mkdir -p "$CACHE"
case "${1:-all}" in
  all)
    t0=$SECONDS
    for v in $ETCD_VERSIONS; do done_or_build "etcd-$v" build_etcd "$v"; done
    for v in $PAUSE_VERSIONS; do done_or_build "pause-$v" build_pause "$v"; done
    for v in $K8S_VERSIONS; do done_or_build "kubernetes-$v" build_kubernetes "$v"; done
    for v in $COREDNS_VERSIONS; do done_or_build "coredns-$v" build_coredns "$v"; done
    done_or_build "flannel-$FLANNEL_VERSION" build_flannel "$FLANNEL_VERSION"
    done_or_build "crictl-$CRICTL_VERSION" build_crictl "$CRICTL_VERSION"
    done_or_build "pulumi-$PULUMI_VERSION-nodejs-$PULUMI_NODEJS_HOST_VERSION" build_pulumi "$PULUMI_VERSION"
    add_dynamic_provider "$PULUMI_VERSION" "$CACHE/pulumi-$PULUMI_VERSION-nodejs-$PULUMI_NODEJS_HOST_VERSION"
    done_or_build "yaml-host-$PULUMI_YAML_VERSION" build_yaml_host "$PULUMI_YAML_VERSION"
    log "all in $((SECONDS - t0)) s; cache $(du -sh --exclude=gomod --exclude=gocache "$CACHE" | cut -f1) of binaries, $(du -sh "$CACHE" | cut -f1) with the Go caches"
    ;;
  kubernetes|etcd|coredns|flannel|pause|crictl) done_or_build "$1-$2" "build_$1" "$2" ;;
  pulumi) done_or_build "pulumi-$2-nodejs-$PULUMI_NODEJS_HOST_VERSION" build_pulumi "$2" ;;
  yaml-host) done_or_build "yaml-host-$2" build_yaml_host "$2" ;;
  *) echo "usage: $0 [all|kubernetes|etcd|coredns|flannel|pause|crictl|pulumi|yaml-host VERSION]" >&2; exit 2 ;;
esac
