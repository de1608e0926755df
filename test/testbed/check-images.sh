#!/usr/bin/env bash
# check-images.sh [VERSION] - proves on this machine that the images test/testbed/images.sh builds for a
# Kubernetes VERSION (default v1.34.2) work, and that the flannel CNI plugin (flannel-cni.sh) sets up and tears
# down a pod network:
#   1. build (or reuse) the images; each tar's RepoTags and diff_id (sha256 of its layer) are right;
#   2. import them with `images.sh import` into a private, throw-away containerd (own root, state and socket
#      under a temporary directory on the machine's disk; CRI plugin off); `ctr images ls` lists exactly the
#      names kubeadm of VERSION prints, plus the flannel and busybox images;
#   3. run them with ctr: the control-plane binaries report VERSION, etcd/coredns their versions, pause and
#      coredns start from their image Entrypoint, kube-proxy's iptables (nft and legacy) load kube-proxy-like
#      rules with their extensions in a private network namespace, conntrack and nft work, flanneld reports its
#      version and flannel.yaml's init-container command copies the CNI plugin out of the flannel image;
#   4. flannel.yaml references only built images, with imagePullPolicy Never, and the host-gw backend;
#   5. the CNI plugin, run with flannel.yaml's network config exactly as a runtime runs it (defaults for
#      /run/flannel/subnet.env and /var/lib/cni, which a private mount namespace puts under the temporary
#      directory), delegates to Debian's bridge/host-local (/usr/lib/cni): ADD gives the pod interface an
#      address of FLANNEL_SUBNET, routes and MTU, two pods reach each other over cni0, CHECK passes (and
#      fails after DEL), DEL releases everything, errors come back as CNI error objects.
# Prints "ok"/"FAIL" per check; exits 1 when any check failed. Needs root, containerd, runc, ctr, iproute2,
# iputils-ping, jq, python3-yaml. Everything it starts, mounts or creates is removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES="$HERE/images.sh"
VERSION=${1:-v1.34.2}
CNI_PLUGIN="$HERE/flannel-cni.sh"
MANIFEST="$HERE/flannel.yaml"
[ "$(id -u)" -eq 0 ] || { echo "check-images: needs root" >&2; exit 2; }
for c in containerd ctr runc ip jq nsenter unshare ping /usr/bin/python3 /usr/lib/cni/bridge /usr/lib/cni/host-local; do
  command -v "$c" >/dev/null || { echo "check-images: $c is missing" >&2; exit 2; }
done

ID="tbimg-$$"
WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
SOCK="$WORK/containerd.sock"
CTR=(ctr --address "$SOCK" -n k8s.io)
CONTAINERD_PID=""
FAILS=0 CHECKS=0

ok() { CHECKS=$((CHECKS + 1)); echo "ok   - $*"; }
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
# expect DESC PATTERN CMD...: CMD succeeds and its output (stdout+stderr) matches the extended regex PATTERN
expect() {
  local desc=$1 pattern=$2 out; shift 2
  if out=$("$@" 2>&1) && grep -Eq -- "$pattern" <<<"$out"; then ok "$desc"
  else bad "$desc: expected /$pattern/ from: $*"; sed 's/^/       | /' <<<"$out" | tail -15; fi
}
# expect_fail DESC PATTERN CMD...: CMD fails and its output matches PATTERN
expect_fail() {
  local desc=$1 pattern=$2 out; shift 2
  if ! out=$("$@" 2>&1) && grep -Eq -- "$pattern" <<<"$out"; then ok "$desc"
  else bad "$desc: expected a failure matching /$pattern/ from: $*"; sed 's/^/       | /' <<<"$out" | tail -15; fi
}

cleanup() {
  set +e
  if [ -n "$CONTAINERD_PID" ]; then
    local t
    for t in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
      "${CTR[@]}" tasks kill -s SIGKILL "$t" >/dev/null 2>&1; sleep 0.2; "${CTR[@]}" tasks delete -f "$t" >/dev/null 2>&1
    done
    for t in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers delete "$t" >/dev/null 2>&1; done
    kill "$CONTAINERD_PID" 2>/dev/null; wait "$CONTAINERD_PID" 2>/dev/null
  fi
  # the shims this containerd started (their command line names its socket, unique to this run)
  local p
  for p in $(pgrep -f -- "-address $SOCK" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  # mounts under WORK (snapshots, persisted network namespaces), deepest first
  findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | while read -r m; do umount -l "$m"; done
  # cgroups runc made for our containers (relative to containerd's own cgroup in each hierarchy)
  find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -depth -type d \( -path "*/$ID" -o -path "*/$ID/*" \) -exec rmdir {} \; 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "# check-images: $VERSION (work dir $WORK)"
[ "$(findmnt -n -o FSTYPE -T "$WORK")" != overlay ] || { echo "check-images: $WORK is on overlayfs" >&2; exit 2; }

# contains DESC TEXT PATTERN...: every extended regex PATTERN matches a line of TEXT
contains() {
  local desc=$1 text=$2 p missing=(); shift 2
  for p in "$@"; do grep -Eq -- "$p" <<<"$text" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then ok "$desc"
  else bad "$desc: no line matches: ${missing[*]}"; sed 's/^/       | /' <<<"$text" | tail -25; fi
}

# ---- 1. build ----
t0=$SECONDS
if ! list=$("$IMAGES" build "$VERSION" 2>"$WORK/build.log"); then
  cat "$WORK/build.log" >&2; echo "check-images: images.sh build $VERSION failed" >&2; exit 1
fi
sed 's/^/# /' "$WORK/build.log"
ok "images.sh build $VERSION ($((SECONDS - t0)) s)"
out=$("$IMAGES" refs "$VERSION"); mapfile -t REFS <<<"$out"
CACHE=${TESTBED_CACHE:-/var/cache/pulumi-k8s-ha-testbed}
KUBEADM_REFS=$("$CACHE/kubernetes-$VERSION/bin/kubeadm" config images list --kubernetes-version "$VERSION" | sort)
case $VERSION in # what kubeadm of these versions prints (upstream cmd/kubeadm/app/constants)
  v1.34.2) want="coredns/coredns:v1.12.1 etcd:3.6.5-0 kube-apiserver:v1.34.2 kube-controller-manager:v1.34.2 kube-proxy:v1.34.2 kube-scheduler:v1.34.2 pause:3.10.1" ;;
  v1.33.13) want="coredns/coredns:v1.12.0 etcd:3.5.24-0 kube-apiserver:v1.33.13 kube-controller-manager:v1.33.13 kube-proxy:v1.33.13 kube-scheduler:v1.33.13 pause:3.10" ;;
  *) want="" ;;
esac
if [ -n "$want" ]; then
  exp=$(for w in $want; do echo "registry.k8s.io/$w"; done)
  if [ "$KUBEADM_REFS" = "$exp" ]; then ok "kubeadm $VERSION lists the 7 expected images"
  else bad "kubeadm $VERSION lists: $(echo $KUBEADM_REFS) (expected $(echo $exp))"; fi
fi
got=$(printf '%s\n' "${REFS[@]}" | grep -Fx -f <(echo "$KUBEADM_REFS") | sort)
if [ "$got" = "$KUBEADM_REFS" ] && [ ${#REFS[@]} -eq $(($(wc -l <<<"$KUBEADM_REFS") + 2)) ]; then
  ok "images.sh refs $VERSION: kubeadm's $(wc -l <<<"$KUBEADM_REFS") images + flannel + busybox"
else bad "images.sh refs $VERSION: ${REFS[*]}"; fi

declare -A TAR
while IFS=$'\t' read -r ref tar; do TAR[$ref]=$tar; done <<<"$list"
for ref in "${REFS[@]}"; do
  tar=${TAR[$ref]:-}
  if [ -z "$tar" ] || [ ! -f "$tar" ]; then bad "$ref: no tar built"; continue; fi
  manifest=$(tar -xOf "$tar" manifest.json)
  config=$(tar -xOf "$tar" "$(jq -r '.[0].Config' <<<"$manifest")")
  layer_sha=$(tar -xOf "$tar" "$(jq -r '.[0].Layers[0]' <<<"$manifest")" | sha256sum | cut -d' ' -f1)
  if [ "$(jq -r '.[0].RepoTags | join(",")' <<<"$manifest")" = "$ref" ] &&
     [ "$(jq -r '.rootfs.diff_ids | join(",")' <<<"$config")" = "sha256:$layer_sha" ] &&
     [ "$(jq -r '.os + "/" + .architecture' <<<"$config")" = "linux/$(dpkg --print-architecture)" ]; then
    ok "$ref: $(basename "$tar") ($(du -h "$tar" | cut -f1)): RepoTags, diff_id and platform right"
  else bad "$ref: $tar: manifest $manifest, config $(jq -c '{os, architecture, rootfs}' <<<"$config"), layer sha256:$layer_sha"; fi
  case ${ref%:*} in
    */pause) want='{"User":"65535:65535","Entrypoint":["/pause"],"Cmd":null}' ;;
    */coredns) want='{"User":"","Entrypoint":["/coredns"],"Cmd":null}' ;;
    */flannel) want='{"User":"","Entrypoint":["/opt/bin/flanneld"],"Cmd":null}' ;;
    */busybox) want='{"User":"","Entrypoint":null,"Cmd":["sh"]}' ;;
    *) want="{\"User\":\"\",\"Entrypoint\":[\"/usr/local/bin/$(basename "${ref%:*}")\"],\"Cmd\":null}" ;;
  esac
  got=$(jq -c '.config | {User, Entrypoint, Cmd}' <<<"$config")
  if [ "$got" = "$want" ]; then ok "$ref: config $got"; else bad "$ref: config $got, expected $want"; fi
done

# ---- 2. import into a private containerd ----
cat > "$WORK/config.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/opt"
EOF
containerd --config "$WORK/config.toml" --log-level warn </dev/null >"$WORK/containerd.log" 2>&1 &
CONTAINERD_PID=$!
for _ in $(seq 50); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
t0=$SECONDS
if "$IMAGES" import "$VERSION" -- "${CTR[@]}" images import - >"$WORK/import.log" 2>&1; then
  ok "images.sh import $VERSION -- ctr ... images import - ($((SECONDS - t0)) s)"
else bad "images.sh import $VERSION"; tail -20 "$WORK/import.log"; fi
grep -E '^images: ' "$WORK/import.log" | sed 's/^/# /'
got=$("${CTR[@]}" images ls -q | sort)
exp=$(printf '%s\n' "${REFS[@]}" | sort)
if [ "$got" = "$exp" ]; then ok "ctr images ls: exactly $(echo $exp)"; else bad "ctr images ls: $(echo $got) (expected $(echo $exp))"; fi

# ---- 3. run them ----
# run IMAGE [ctr run options...] -- ARGS...: ctr run --rm, in a cgroup under $ID
run() {
  local image=$1 opts=() id="$ID-r$BASHPID"; shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  "${CTR[@]}" run --rm --cgroup "$ID/${id##*-}" "${opts[@]}" "$image" "$id" "$@"
}
# started IMAGE: the image's own Entrypoint (no arguments given) is still running after 1 s; it is stopped
started() {
  local image=$1 id="$ID-d$BASHPID" status
  "${CTR[@]}" run -d --cgroup "$ID/${id##*-}" "$image" "$id" >/dev/null || { echo "ctr run -d $image failed"; return 1; }
  sleep 1
  status=$("${CTR[@]}" tasks ls | awk -v id="$id" '$1 == id { print $3 }')
  echo "$id: $status"
  "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1
  for _ in $(seq 30); do "${CTR[@]}" tasks ls | grep -q "^$id .*RUNNING" || break; sleep 0.1; done
  "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1; "${CTR[@]}" containers delete "$id" >/dev/null 2>&1
  [ "$status" = RUNNING ]
}
ref_of() { local r; for r in "${REFS[@]}"; do case ${r%:*} in */"$1") echo "$r"; return 0 ;; esac; done; echo "none/$1:none"; }
for c in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
  expect "$c image: $c --version (bare name, from PATH) is $VERSION" "^Kubernetes ${VERSION//./\\.}\$" run "$(ref_of "$c")" -- "$c" --version
done
ETCD=$(ref_of etcd) COREDNS=$(ref_of coredns) PAUSE=$(ref_of pause) PROXY=$(ref_of kube-proxy)
FLANNEL=$(ref_of flannel) BUSYBOX=$(ref_of busybox)
expect "$ETCD: etcd --version" "^etcd Version: 3\." run "$ETCD" -- etcd --version
expect "$ETCD: etcdctl version" "^etcdctl version: 3\." run "$ETCD" -- etcdctl version
expect "$ETCD: etcdutl version" "^etcdutl version: 3\." run "$ETCD" -- etcdutl version
ctag=${COREDNS##*:}
expect "$COREDNS: /coredns -version" "^CoreDNS-${ctag#v}\$" run "$COREDNS" -- /coredns -version
expect "$COREDNS: runs from its Entrypoint (default Corefile, port 53 in its own network namespace)" ": RUNNING$" started "$COREDNS"
expect "$PAUSE: runs from its Entrypoint as user 65535" ": RUNNING$" started "$PAUSE"
expect "$BUSYBOX: sh, id, CA bundle" "^hello from uid 0 /etc/ssl/certs/ca-certificates.crt$" \
  run "$BUSYBOX" -- sh -c 'echo "hello from uid $(id -u) $(ls /etc/ssl/certs/ca-certificates.crt)"'

# netfilter: each variant in its own network namespace (never the machine's), persisted on a file under WORK
backend=$(basename "$(readlink -f /usr/sbin/iptables)")
case $backend in xtables-nft-multi) backend_label=nf_tables ;; *) backend_label=legacy ;; esac
cat > "$WORK/rules" <<'EOF'
*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-TBTEST - [0:0]
:KUBE-SEP-TBTEST - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TBTEST
-A KUBE-SVC-TBTEST -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-TBTEST
-A KUBE-SEP-TBTEST -p udp -m comment --comment kube-system/kube-dns:dns -m udp -j DNAT --to-destination 10.244.1.2:53
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE --random-fully
COMMIT
*filter
:KUBE-FIREWALL - [0:0]
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -j KUBE-FIREWALL
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A FORWARD -j MARK --set-xmark 0x4000/0x4000
COMMIT
EOF
SAVED=('^-A KUBE-SVC-TBTEST .*-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-TBTEST$'
  '^-A KUBE-SEP-TBTEST -p udp .*-j DNAT --to-destination 10.244.1.2:53$'
  '-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE --random-fully'
  '-m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53'
  '-m conntrack --ctstate INVALID -j DROP' '-j MARK --set-xmark 0x4000/0x4000')
expect "$PROXY: iptables -V is the hosts' backend ($backend_label)" "^iptables v1\.8\.[0-9]+ \($backend_label\)$" run "$PROXY" -- iptables -V
for v in "" -nft -legacy; do
  ns="$WORK/ipt$v.ns"; touch "$ns"; unshare --net="$ns" true
  opts=(--privileged --with-ns "network:$ns" --mount "type=bind,src=$WORK/rules,dst=/rules,options=rbind:ro")
  expect "$PROXY: iptables$v-restore --noflush of kube-proxy-like rules" "" run "$PROXY" "${opts[@]}" -- "iptables$v-restore" --noflush /rules
  saved=$(run "$PROXY" "${opts[@]}" -- "iptables$v-save" 2>&1)
  contains "$PROXY: iptables$v-save shows them (extensions statistic, DNAT, MASQUERADE, comment, conntrack, MARK)" "$saved" "${SAVED[@]}"
  expect "$PROXY: ip6tables$v-save" "" run "$PROXY" "${opts[@]}" -- "ip6tables$v-save"
done
host_save=$(nsenter --net="$WORK/ipt.ns" "/usr/sbin/iptables-save" 2>&1)
contains "the machine's iptables-save reads what the image's iptables wrote (same backend)" "$host_save" "${SAVED[0]}"
host_save=$(nsenter --net="$WORK/ipt-legacy.ns" iptables-legacy-save 2>&1)
contains "the machine's iptables-legacy-save reads what the image's iptables-legacy wrote" "$host_save" "${SAVED[0]}"
if [ "$backend_label" = nf_tables ]; then
  expect "$PROXY: nft list ruleset shows the rules" "KUBE-SVC-TBTEST" run "$PROXY" --privileged --with-ns "network:$WORK/ipt.ns" -- nft list ruleset
fi
expect "$PROXY: conntrack --version" "^conntrack v1\.4\.[0-9]+" run "$PROXY" -- conntrack --version
expect "$PROXY: conntrack -L" "flow entries have been shown" run "$PROXY" --privileged --with-ns "network:$WORK/ipt.ns" -- conntrack -L

# flannel
ftag=${FLANNEL##*:}
expect "$FLANNEL: flanneld --version" "^${ftag//./\\.}\$" run "$FLANNEL" -- /opt/bin/flanneld --version
expect "$FLANNEL: busybox sh, cp; /flannel; iptables ($backend_label)" "^ok /flannel /opt/bin/flanneld .*\($backend_label\)$" \
  run "$FLANNEL" -- sh -c 'command -v cp >/dev/null && echo "ok $(ls /flannel /opt/bin/flanneld | tr "\n" " ")$(iptables -V)"'
ns="$WORK/flannel.ns"; touch "$ns"; unshare --net="$ns" true
expect "$FLANNEL: flannel-like masquerade rules (iptables --random-fully)" "^-A POSTROUTING -s 10\.244\.0\.0/16 ! -d 224\.0\.0\.0/4 -j MASQUERADE --random-fully$" \
  run "$FLANNEL" --privileged --with-ns "network:$ns" -- sh -c \
  'iptables -t nat -A POSTROUTING -s 10.244.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully && iptables -t nat -S POSTROUTING'

# ---- 4. flannel.yaml ----
manifest=$(/usr/bin/python3 - "$MANIFEST" <<'PY'
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
spec = ds["spec"]["template"]["spec"]
for c in spec.get("initContainers", []) + spec["containers"]:
    print("container", c["name"], c["image"], c.get("imagePullPolicy"), json.dumps(c.get("command", []) + c.get("args", [])))
cm = next(d for d in docs if d["kind"] == "ConfigMap")
print("cni", json.dumps(json.loads(cm["data"]["cni-conf.json"]), separators=(",", ":")))
print("net", json.dumps(json.loads(cm["data"]["net-conf.json"]), separators=(",", ":")))
print("kinds", " ".join(d["kind"] for d in docs), "hostNetwork", spec.get("hostNetwork"))
PY
) || bad "flannel.yaml does not parse"
while read -r _ name image policy _; do
  if [ "$policy" = Never ] && printf '%s\n' "${REFS[@]}" | grep -qFx "$image"; then ok "flannel.yaml $name: $image (built), imagePullPolicy Never"
  else bad "flannel.yaml $name: image $image policy $policy (built: ${REFS[*]})"; fi
done < <(grep '^container ' <<<"$manifest")
NET_CONF=$(sed -n 's/^net //p' <<<"$manifest")
CNI_CONFLIST=$(sed -n 's/^cni //p' <<<"$manifest")
expect "flannel.yaml net-conf.json: 10.244.0.0/16, host-gw" "^true$" jq '.Network == "10.244.0.0/16" and .Backend.Type == "host-gw"' <<<"$NET_CONF"
expect "flannel.yaml cni-conf.json: flannel (hairpin, default gateway) then portmap" "^true$" \
  jq '.plugins[0].type == "flannel" and .plugins[0].delegate == {"hairpinMode": true, "isDefaultGateway": true} and .plugins[1].type == "portmap"' <<<"$CNI_CONFLIST"
expect "flannel.yaml: namespace, RBAC, ConfigMap, DaemonSet with hostNetwork" \
  "^kinds Namespace ClusterRole ClusterRoleBinding ServiceAccount ConfigMap DaemonSet hostNetwork True$" grep '^kinds' <<<"$manifest"
# the init containers' commands, run in the flannel image against host directories
mkdir -p "$WORK/opt-cni-bin" "$WORK/etc-cni-net.d" "$WORK/kube-flannel"
printf '%s\n' "$CNI_CONFLIST" > "$WORK/kube-flannel/cni-conf.json"
mapfile -t argv < <(grep '^container install-cni-plugin ' <<<"$manifest" | cut -d' ' -f5- | jq -r '.[]')
expect "install-cni-plugin: ${argv[*]}" "" run "$FLANNEL" --mount "type=bind,src=$WORK/opt-cni-bin,dst=/opt/cni/bin,options=rbind:rw" -- "${argv[@]}"
if cmp -s "$CNI_PLUGIN" "$WORK/opt-cni-bin/flannel" && [ -x "$WORK/opt-cni-bin/flannel" ]; then
  ok "install-cni-plugin put flannel-cni.sh, executable, at the host's /opt/cni/bin/flannel"
else bad "install-cni-plugin: $WORK/opt-cni-bin/flannel differs from $CNI_PLUGIN or is not executable"; fi
mapfile -t argv < <(grep '^container install-cni ' <<<"$manifest" | cut -d' ' -f5- | jq -r '.[]')
expect "install-cni: ${argv[*]}" "" run "$FLANNEL" --mount "type=bind,src=$WORK/etc-cni-net.d,dst=/etc/cni/net.d,options=rbind:rw" \
  --mount "type=bind,src=$WORK/kube-flannel,dst=/etc/kube-flannel,options=rbind:ro" -- "${argv[@]}"
expect "install-cni put the conflist at the host's /etc/cni/net.d/10-flannel.conflist" "^cbr0$" jq -r .name "$WORK/etc-cni-net.d/10-flannel.conflist"

# ---- 5. the CNI plugin, as a runtime runs it ----
for n in host pod1 pod2; do touch "$WORK/$n.ns"; unshare --net="$WORK/$n.ns" true; done
mkdir -p "$WORK/run/flannel" "$WORK/varlib"
printf '%s\n' FLANNEL_NETWORK=10.244.0.0/16 FLANNEL_SUBNET=10.244.7.1/24 FLANNEL_MTU=1450 FLANNEL_IPMASQ=true > "$WORK/run/flannel/subnet.env"
# the network config of the conflist's first plugin as libcni passes it (name and cniVersion injected)
CONF=$(jq -c '.plugins[0] + {name, cniVersion}' <<<"$CNI_CONFLIST")
CONF04=$(jq -c '.cniVersion = "0.4.0"' <<<"$CONF")
# cni CONF COMMAND CONTAINERID [NETNS]: the plugin (the copy the init container installed), run in the "host"
# network namespace with /run and /var/lib of a private mount namespace bound to WORK/run and WORK/varlib
cni() {
  printf '%s' "$1" | nsenter --net="$WORK/host.ns" unshare --mount --propagation private \
    env CNI_COMMAND="$2" CNI_CONTAINERID="$3" CNI_NETNS="${4:-}" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
    sh -c 'mount --bind "$1/run" /run && mount --bind "$1/varlib" /var/lib && exec "$1/opt-cni-bin/flannel"' - "$WORK"
}
in_ns() { local ns=$1; shift; nsenter --net="$WORK/$ns.ns" "$@"; }
expect "CNI VERSION" '"supportedVersions":\[.*"0\.3\.1".*"0\.4\.0"' cni "" VERSION ""
if r1=$(cni "$CONF" ADD pod1 "$WORK/pod1.ns" 2>&1); then ok "CNI ADD pod1 (cniVersion 0.3.1, flannel.yaml's config)"; else bad "CNI ADD pod1: $r1"; fi
ip1=$(jq -r '.ips[0].address // empty' <<<"$r1" 2>/dev/null)
expect "CNI ADD pod1 result: an address of 10.244.7.0/24, gateway 10.244.7.1" "^10\.244\.7\.([2-9]|[1-9][0-9]+)/24 10\.244\.7\.1$" \
  jq -r '.ips[0].address + " " + .ips[0].gateway' <<<"$r1"
expect "pod1 eth0 has $ip1, MTU 1450" "mtu 1450" in_ns pod1 sh -c "ip -4 -o addr show dev eth0 | grep -F ' ${ip1:-none} ' && ip link show eth0"
routes=$(in_ns pod1 ip -4 route 2>&1)
contains "pod1 routes: default and 10.244.0.0/16 via 10.244.7.1" "$routes" "^default via 10\.244\.7\.1 dev eth0" "^10\.244\.0\.0/16 via 10\.244\.7\.1 dev eth0"
expect "host: cni0 is the gateway 10.244.7.1/24" "inet 10\.244\.7\.1/24" in_ns host ip -4 -o addr show dev cni0
expect "host: the pod's veth is on cni0 with hairpin on" "hairpin on" in_ns host bridge -d link show master cni0
if host_save=$(in_ns host iptables-save 2>&1) && ! grep -q CNI- <<<"$host_save"; then
  ok "host: no CNI masquerade rule (flanneld masquerades: FLANNEL_IPMASQ=true -> ipMasq false)"
else bad "host: iptables-save shows CNI rules or failed:"; sed 's/^/       | /' <<<"$host_save"; fi
expect "saved delegate config: bridge, ipMasq false, MTU, subnet 10.244.7.0/24, route to the network" "^true$" \
  jq '.type == "bridge" and .name == "cbr0" and .ipMasq == false and .mtu == 1450 and .isGateway == true and .hairpinMode == true and .isDefaultGateway == true and .ipam.type == "host-local" and .ipam.ranges == [[{"subnet": "10.244.7.0/24"}]] and .ipam.routes == [{"dst": "10.244.0.0/16"}]' "$WORK/varlib/cni/flannel/pod1"
if [ -f "$WORK/varlib/cni/networks/cbr0/${ip1%/*}" ]; then ok "host-local reserved ${ip1%/*} in /var/lib/cni/networks/cbr0"; else bad "no host-local reservation for $ip1"; fi
if r2=$(cni "$CONF04" ADD pod2 "$WORK/pod2.ns" 2>&1); then ok "CNI ADD pod2 (cniVersion 0.4.0)"; else bad "CNI ADD pod2: $r2"; fi
ip2=$(jq -r '.ips[0].address // empty' <<<"$r2" 2>/dev/null)
if [ -n "$ip2" ] && [ "$ip2" != "$ip1" ]; then ok "pod2 got another address ($ip2)"; else bad "pod2 address '$ip2' (pod1 $ip1)"; fi
expect "pod1 pings pod2 over cni0" " 0% packet loss" in_ns pod1 ping -c 1 -W 2 "${ip2%/*}"
expect "pod2 pings its gateway" " 0% packet loss" in_ns pod2 ping -c 1 -W 2 10.244.7.1
CHECK2=$(jq -c --argjson prev "${r2:-null}" '. + {prevResult: $prev}' <<<"$CONF04" 2>/dev/null || echo "$CONF04")
expect "CNI CHECK pod2 passes" "" cni "$CHECK2" CHECK pod2 "$WORK/pod2.ns"
expect "CNI DEL pod1" "" cni "$CONF" DEL pod1 "$WORK/pod1.ns"
expect_fail "pod1 has no eth0 after DEL" "" in_ns pod1 ip link show eth0
if [ ! -e "$WORK/varlib/cni/networks/cbr0/${ip1%/*}" ] && [ ! -e "$WORK/varlib/cni/flannel/pod1" ]; then
  ok "DEL released ${ip1%/*} and removed the saved config"; else bad "DEL left $(ls "$WORK/varlib/cni/networks/cbr0" "$WORK/varlib/cni/flannel" | tr '\n' ' ')"; fi
expect "host: one veth left on cni0" "^1$" sh -c "nsenter --net='$WORK/host.ns' ip -o link show master cni0 | wc -l"
expect "CNI DEL pod1 again succeeds (nothing to do)" "" cni "$CONF" DEL pod1 "$WORK/pod1.ns"
expect_fail "CNI CHECK pod1 after DEL fails" '"code":7' cni "$(jq -c '. + {prevResult: null}' <<<"$CONF04")" CHECK pod1 "$WORK/pod1.ns"
expect "CNI DEL pod2" "" cni "$CONF04" DEL pod2 "$WORK/pod2.ns"
rm "$WORK/run/flannel/subnet.env"
expect_fail "CNI ADD without /run/flannel/subnet.env: CNI error code 11" '^\{"cniVersion":"0\.3\.1","code":11,"msg":".*/run/flannel/subnet\.env' \
  cni "$CONF" ADD pod3 "$WORK/pod1.ns"

echo "# $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
