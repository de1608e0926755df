#!/usr/bin/env bash
# images.sh - assembles the container images a test-bed cluster runs, without a registry or a Docker engine:
# each image is a docker-archive tar (manifest.json with RepoTags, a config JSON whose rootfs.diff_ids is the
# sha256 of the layer, one layer.tar of a root file system) that `ctr -n k8s.io images import -` takes.
# Contents come from the binaries test/testbed/build-upstream.sh caches (it is not run from here) and from
# this machine's Debian packages (iptables, nftables, conntrack, busybox-static, ca-certificates).
#
# For a Kubernetes version the images are exactly those `kubeadm config images list --kubernetes-version V`
# names (the cached kubeadm of that version is asked), plus the CNI and a workload image:
#   registry.k8s.io/kube-{apiserver,controller-manager,scheduler}:V  the binary in /usr/local/bin (on PATH:
#                                                  static pods run the bare command name)
#   registry.k8s.io/kube-proxy:V                   + iptables/ip6tables (nft and legacy), nft, conntrack
#   registry.k8s.io/etcd:T                         etcd, etcdctl, etcdutl in /usr/local/bin
#   registry.k8s.io/coredns/coredns:T              /coredns, Entrypoint ["/coredns"] (as upstream's)
#   registry.k8s.io/pause:T                        /pause only, Entrypoint ["/pause"], user 65535 (as upstream's)
#   ghcr.io/flannel-io/flannel:FLANNEL_VERSION     /opt/bin/flanneld (as upstream's), iptables as kube-proxy's,
#                                                  busybox (sh, cp, ...) and /flannel, the CNI plugin
#                                                  (flannel-cni.sh beside this file) that flannel.yaml's init
#                                                  container copies to the host's /opt/cni/bin
#   docker.io/library/busybox:testbed              busybox-static with its applet links: workload pods
#
# usage: images.sh build VERSION [REF...]   build what is missing or stale into $CACHE/images-VERSION/ and
#                                            print "REF<TAB>TAR" for each image (REFs: only those images)
#        images.sh refs VERSION             print the image references of VERSION
#        images.sh import VERSION [--only NAME[,NAME...]] -- COMMAND [ARG...]
#                                            build, then pipe each image's tar into COMMAND, e.g.
#                                            images.sh import v1.34.2 -- ssh h1 ctr -n k8s.io images import -
#                                            (NAME: a reference or its last path element, e.g. kube-proxy)
# env:   TESTBED_CACHE (default /var/cache/pulumi-k8s-ha-testbed), FLANNEL_VERSION (default v0.27.4; must match
#        flannel.yaml), ETCD_SUBSTITUTES (below).
# Each tar is rebuilt only when its inputs changed (this script, the CNI plugin, the upstream binaries'
# size and mtime, the Debian package versions used): it is written under a temporary name and renamed into
# place, then its key file is written, so an interrupted build never leaves a tar that looks valid. Builds
# of one version are serialized by a lock; a warm run costs well under a second per image.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
CNI_PLUGIN="$HERE/flannel-cni.sh"
CACHE=${TESTBED_CACHE:-/var/cache/pulumi-k8s-ha-testbed}
FLANNEL_VERSION=${FLANNEL_VERSION:-v0.27.4}
FLANNEL_IMAGE="ghcr.io/flannel-io/flannel:$FLANNEL_VERSION"
BUSYBOX_IMAGE="docker.io/library/busybox:testbed"
# etcd tags kubeadm asks for whose source the Go module proxy does not serve, and the cached etcd that
# stands in: kubeadm 1.33.6+ asks for registry.k8s.io/etcd:3.5.24-0, but there is no etcd v3.5.24 in the
# module proxy, so that tag carries the v3.6.5 binaries (`etcd --version` in that image says 3.6.5; kubeadm
# goes by the tag). A cached etcd-v<exact version> always wins over a substitute.
ETCD_SUBSTITUTES=${ETCD_SUBSTITUTES:-"3.5.24-0=v3.6.5 3.5.21-0=v3.6.5"}
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
XTABLES_DIR="/usr/lib/$(uname -m)-linux-gnu/xtables"
ARCH=$(dpkg --print-architecture)
EPOCH="1970-01-01T00:00:00Z"

log() { echo "images: $*" >&2; }
now() { echo "${EPOCHREALTIME/[.,]/}"; }                      # microseconds
since() { local us=$(( $(now) - $1 )); printf '%d.%d s' $((us / 1000000)) $((us % 1000000 / 100000)); }
die() { echo "images: error: $*" >&2; exit 1; }
TMPS=()
cleanup() { if [ ${#TMPS[@]} -gt 0 ]; then rm -rf "${TMPS[@]}"; fi; }
trap cleanup EXIT

# upstream ENTRY BIN...: adds the paths of binaries build-upstream.sh cached (complete entries only) to INPUTS
upstream() {
  local entry=$1 bin; shift
  [ -f "$CACHE/$entry/.complete" ] || die "$CACHE/$entry is not built (test/testbed/build-upstream.sh builds it)"
  for bin in "$@"; do
    [ -x "$CACHE/$entry/bin/$bin" ] || die "$CACHE/$entry/bin/$bin is missing"
    INPUTS+=("$CACHE/$entry/bin/$bin")
  done
}

# refs VERSION: what kubeadm of VERSION pulls, then the CNI and workload images
refs() {
  INPUTS=(); upstream "kubernetes-$1" kubeadm
  "${INPUTS[0]}" config images list --kubernetes-version "$1" | grep .
  echo "$FLANNEL_IMAGE"
  echo "$BUSYBOX_IMAGE"
}

# recipe REF: sets KIND, INPUTS (upstream files the image holds) and FILE (the tar's name) for REF
recipe() {
  local ref=$1 repo tag s etcd=""
  repo=${ref%:*} tag=${ref##*:}
  [ "$repo" != "$ref" ] || die "$ref has no tag"
  FILE="${repo##*/}_$tag.tar" INPUTS=()
  case $repo in
    registry.k8s.io/kube-apiserver|registry.k8s.io/kube-controller-manager|registry.k8s.io/kube-scheduler)
      KIND=kube; upstream "kubernetes-$tag" "${repo##*/}" ;;
    registry.k8s.io/kube-proxy)
      KIND=kube-proxy; upstream "kubernetes-$tag" kube-proxy ;;
    registry.k8s.io/etcd)
      if [ -f "$CACHE/etcd-v${tag%-*}/.complete" ]; then etcd="v${tag%-*}"; fi
      for s in $ETCD_SUBSTITUTES; do
        if [ -z "$etcd" ] && [ "${s%%=*}" = "$tag" ]; then etcd=${s#*=}; log "$ref: carries etcd $etcd (no etcd ${tag%-*} source in the module proxy)"; fi
      done
      [ -n "$etcd" ] || die "no cached etcd for $ref: build etcd-v${tag%-*} or add it to ETCD_SUBSTITUTES"
      KIND=etcd; upstream "etcd-$etcd" etcd etcdctl etcdutl ;;
    registry.k8s.io/coredns/coredns)
      KIND=coredns; upstream "coredns-$tag" coredns ;;
    registry.k8s.io/pause)
      KIND=pause; upstream "pause-$tag" pause ;;
    ghcr.io/flannel-io/flannel)
      KIND=flannel; upstream "flannel-$tag" flanneld; INPUTS+=("$CNI_PLUGIN") ;;
    docker.io/library/busybox)
      KIND=busybox ;;
    *) die "no recipe for image $ref" ;;
  esac
}

# ---- root file systems ----

# put SRC DEST: SRC at DEST (a path inside a root), hard-linked when possible (no copy of big binaries)
put() {
  mkdir -p "$(dirname "$2")"
  ln -L "$1" "$2" 2>/dev/null || cp -L --preserve=mode "$1" "$2"
}

# base_rootfs ROOT: Debian's merged-/usr layout, minimal passwd/group/nsswitch, CA certificates, /tmp
base_rootfs() {
  local r=$1 d
  for d in usr/bin usr/sbin usr/lib usr/lib64 usr/local/bin etc/ssl/certs tmp var/tmp root run home/nonroot; do
    mkdir -p "$r/$d"; done
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$r/$d"; done
  chmod 1777 "$r/tmp" "$r/var/tmp"; chmod 700 "$r/root"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' > "$r/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' 'networks: files' 'protocols: files' \
    'services: files' > "$r/etc/nsswitch.conf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  cp -L /etc/protocols /etc/services "$r/etc/"
  chown -R 65532:65532 "$r/home/nonroot"
}

# add_libs ROOT FILE...: the shared libraries (and loader) ldd finds for each FILE, at the same paths in ROOT
add_libs() {
  local r=$1 f lib out; shift
  for f in "$@"; do
    if ! out=$(ldd "$f" 2>&1); then
      case $out in *"not a dynamic executable"*|*"statically linked"*) continue ;; esac
      die "ldd $f: $out"
    fi
    case $out in *"not found"*) die "ldd $f: missing libraries: $out" ;; esac
    for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"); do
      [ -e "$r$lib" ] || { mkdir -p "$(dirname "$r$lib")"; cp -L --preserve=mode "$lib" "$r$lib"; }
    done
  done
}

# add_host_binary ROOT PATH...: this machine's PATH (symlinks resolved) at the same path in ROOT, with the
# shared libraries it needs
add_host_binary() {
  local r=$1 f; shift
  for f in "$@"; do
    [ -e "$f" ] || die "$f is not installed on this machine"
    [ -e "$r$f" ] || { mkdir -p "$(dirname "$r$f")"; cp -L --preserve=mode "$f" "$r$f"; }
  done
  add_libs "$r" "$@"
}

# finish_libs ROOT: the loader cache for the libraries added (the loader also finds them without it)
finish_libs() {
  printf '%s\n' "/usr/local/lib" "/usr/lib/$(uname -m)-linux-gnu" > "$1/etc/ld.so.conf"
  ldconfig -X -r "$1"
}

# add_netfilter ROOT: iptables/ip6tables(-save,-restore) in both variants (-nft, -legacy) with the xtables
# extensions they dlopen, plain names pointing at the backend this machine's (and so the hosts') iptables
# uses (nf_tables on Debian 12; both work in a host's network namespace), nft, and conntrack
add_netfilter() {
  local r=$1 backend p s exts
  backend=$(basename "$(readlink -f /usr/sbin/iptables)")
  case $backend in xtables-nft-multi|xtables-legacy-multi) ;; *) die "unexpected iptables backend: $backend" ;; esac
  add_host_binary "$r" /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/nft /usr/sbin/conntrack
  [ -d "$XTABLES_DIR" ] || die "$XTABLES_DIR (iptables' extensions) is missing"
  mkdir -p "$r$(dirname "$XTABLES_DIR")"
  cp -a "$XTABLES_DIR" "$r$XTABLES_DIR"
  mapfile -t exts < <(find "$XTABLES_DIR" -type f -name '*.so')
  add_libs "$r" "${exts[@]}"
  for p in iptables ip6tables; do
    for s in "" -save -restore; do
      ln -s "$backend" "$r/usr/sbin/$p$s"
      ln -s xtables-nft-multi "$r/usr/sbin/$p-nft$s"
      ln -s xtables-legacy-multi "$r/usr/sbin/$p-legacy$s"
    done
  done
}

# add_busybox ROOT: Debian's static busybox (/bin/busybox, i.e. /usr/bin/busybox) with a link in /usr/bin for
# each applet not already there (busybox --install links to its own path and keeps existing files)
add_busybox() {
  add_host_binary "$1" /bin/busybox
  [ "$(readlink -f /bin/busybox)" = /usr/bin/busybox ] || die "expected /bin/busybox to be /usr/bin/busybox"
  /usr/bin/busybox --install -s "$1/usr/bin"
}

# rootfs_KIND ROOT REF: fills ROOT and sets the image config's ENTRYPOINT/CMD (JSON) and USER
rootfs_kube() {
  local bin=${2%:*}; bin=${bin##*/}
  base_rootfs "$1"; put "${INPUTS[0]}" "$1/usr/local/bin/$bin"
  ENTRYPOINT="[\"/usr/local/bin/$bin\"]"
}
rootfs_kube-proxy() {
  rootfs_kube "$@"; add_netfilter "$1"; finish_libs "$1"
}
rootfs_etcd() {
  local f
  base_rootfs "$1"
  for f in "${INPUTS[@]}"; do put "$f" "$1/usr/local/bin/$(basename "$f")"; done
  mkdir -p "$1/var/lib/etcd"; chmod 700 "$1/var/lib/etcd"
  ENTRYPOINT='["/usr/local/bin/etcd"]'
}
rootfs_coredns() {
  base_rootfs "$1"; put "${INPUTS[0]}" "$1/coredns"
  ENTRYPOINT='["/coredns"]'; EXPOSED='{"53/tcp":{},"53/udp":{}}'
}
rootfs_pause() { # upstream's pause image is FROM scratch: /pause alone
  put "${INPUTS[0]}" "$1/pause"
  ENTRYPOINT='["/pause"]'; IMG_USER="65535:65535"
}
rootfs_flannel() {
  base_rootfs "$1"; put "${INPUTS[0]}" "$1/opt/bin/flanneld"
  add_netfilter "$1"; add_busybox "$1"; finish_libs "$1"
  cp "$CNI_PLUGIN" "$1/flannel"; chmod 755 "$1/flannel"
  ENTRYPOINT='["/opt/bin/flanneld"]'
}
rootfs_busybox() {
  base_rootfs "$1"; add_busybox "$1"
  CMD='["sh"]'
}

# ---- docker archives ----

# host_fingerprint: what this machine contributes to images (package versions, CA bundle, iptables backend)
HOST_FINGERPRINT=""
host_fingerprint() {
  if [ -z "$HOST_FINGERPRINT" ]; then
    HOST_FINGERPRINT=$({ dpkg-query -W -f '${Package} ${Version}\n' iptables nftables conntrack busybox-static \
        ca-certificates libc6 libxtables12 libnftnl11 libnftables1 libnetfilter-conntrack3 libmnl0 2>&1
      stat -L -c '%n %s %Y' /etc/ssl/certs/ca-certificates.crt; readlink -f /usr/sbin/iptables; } | sha256sum)
    HOST_FINGERPRINT=${HOST_FINGERPRINT%% *}
  fi
  echo "$HOST_FINGERPRINT"
}

# image_key REF: a digest of everything the image of REF is made of (after recipe REF)
image_key() {
  local f
  { echo "images.sh format 1"; echo "$1"; sha256sum "$SELF" "$CNI_PLUGIN"; host_fingerprint
    for f in "${INPUTS[@]}"; do stat -L -c '%n %s %Y' "$f"; done; } | sha256sum | cut -d' ' -f1
}

# build_image DIR REF: DIR/FILE for REF unless it is there with a matching key; adds "REF<TAB>TAR" to LIST
BUILT=0
build_image() {
  local dir=$1 ref=$2 key tmp t0 diff cfg config
  t0=$(now)
  recipe "$ref"
  key=$(image_key "$ref")
  if [ -f "$dir/$FILE" ] && [ "$(cat "$dir/$FILE.key" 2>/dev/null)" = "$key" ]; then
    LIST+="$ref"$'\t'"$dir/$FILE"$'\n'; return 0
  fi
  tmp=$(mktemp -d "$dir/.tmp-$FILE.XXXXXX"); TMPS+=("$tmp")
  mkdir "$tmp/rootfs" "$tmp/archive"; chmod 755 "$tmp/rootfs"
  ENTRYPOINT=null CMD=null IMG_USER="" EXPOSED="{}"
  "rootfs_$KIND" "$tmp/rootfs" "$ref"
  # reproducible layer: sorted names, owner root, mtime 0
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$tmp/rootfs" -cf "$tmp/layer.tar" .
  rm -rf "$tmp/rootfs"
  diff=$(sha256sum "$tmp/layer.tar"); diff=${diff%% *}
  mkdir "$tmp/archive/$diff"; mv "$tmp/layer.tar" "$tmp/archive/$diff/layer.tar"
  config=$(printf '{"architecture":"%s","os":"linux","created":"%s","author":"pulumi-k8s-ha test bed (test/testbed/images.sh)",' "$ARCH" "$EPOCH"
    printf '"config":{"User":"%s","Env":["%s"],"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/","ExposedPorts":%s},' "$IMG_USER" "$PATH_ENV" "$ENTRYPOINT" "$CMD" "$EXPOSED"
    printf '"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},' "$diff"
    printf '"history":[{"created":"%s","created_by":"test/testbed/images.sh: %s image"}]}' "$EPOCH" "$KIND")
  cfg=$(printf '%s' "$config" | sha256sum); cfg=${cfg%% *}
  printf '%s' "$config" > "$tmp/archive/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$ref" "$diff" > "$tmp/archive/manifest.json"
  tar --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$tmp/archive" -cf "$tmp/image.tar" \
    manifest.json "$cfg.json" "$diff/layer.tar"
  rm -f "$dir/$FILE.key"
  mv "$tmp/image.tar" "$dir/$FILE"
  echo "$key" > "$dir/$FILE.key.tmp"; mv "$dir/$FILE.key.tmp" "$dir/$FILE.key"
  rm -rf "$tmp"
  BUILT=$((BUILT + 1))
  log "$ref: built in $(since "$t0") ($(du -h "$dir/$FILE" | cut -f1))"
  LIST+="$ref"$'\t'"$dir/$FILE"$'\n'
}

# build VERSION [REF...]: sets LIST ("REF<TAB>TAR" lines)
LIST=""
build() {
  local version=$1 dir lock t0 ref total wanted out; shift
  t0=$(now)
  case $version in v[0-9]*.[0-9]*.[0-9]*) ;; *) die "not a Kubernetes version: $version" ;; esac
  wanted=("$@")
  if [ ${#wanted[@]} -eq 0 ]; then out=$(refs "$version"); mapfile -t wanted <<<"$out"; fi
  dir="$CACHE/images-$version"; mkdir -p "$dir"
  exec {lock}>"$dir/.lock"; flock "$lock"
  rm -rf "$dir"/.tmp-*   # left by a killed build (builds of a version hold the lock)
  for ref in "${wanted[@]}"; do build_image "$dir" "$ref"; done
  exec {lock}>&-
  total=$(cut -f2 <<<"$LIST" | grep . | xargs du -ch | tail -1 | cut -f1)
  log "$version: ${#wanted[@]} images ($total) in $dir, $BUILT built, in $(since "$t0")"
}

# import VERSION [--only NAMES] -- COMMAND...
import() {
  local version=$1 only="" ref tar name n=0 t0 t1 size; shift
  t0=$(now)
  while [ $# -gt 0 ]; do
    case $1 in
      --only) only=",$2,"; shift 2 ;;
      --) shift; break ;;
      *) die "import: unexpected argument $1 (usage: import VERSION [--only NAMES] -- COMMAND...)" ;;
    esac
  done
  [ $# -gt 0 ] || die "import: no COMMAND after --"
  build "$version"
  while IFS=$'\t' read -r ref tar; do
    name=${ref%:*}; name=${name##*/}
    if [ -n "$only" ] && [[ $only != *",$name,"* ]] && [[ $only != *",$ref,"* ]]; then continue; fi
    t1=$(now)
    "$@" < "$tar" >&2 || die "import of $ref ($tar) failed: $*"
    n=$((n + 1)); size=$(du -h "$tar" | cut -f1)
    log "imported $ref ($size) in $(since "$t1")"
  done <<<"${LIST%$'\n'}"
  [ "$n" -gt 0 ] || die "import: no image of $version matched --only ${only:1:-1}"
  log "$version: imported $n images in $(since "$t0")"
}

case "${1:-}" in
  build) [ $# -ge 2 ] || die "usage: $0 build VERSION [REF...]"; shift; build "$@"; printf '%s' "$LIST" ;;
  refs) [ $# -eq 2 ] || die "usage: $0 refs VERSION"; refs "$2" ;;
  import) [ $# -ge 2 ] || die "usage: $0 import VERSION [--only NAMES] -- COMMAND..."; shift; import "$@" ;;
  *) echo "usage: $0 build VERSION [REF...] | refs VERSION | import VERSION [--only NAMES] -- COMMAND..." >&2; exit 2 ;;
esac
