#!/bin/sh
# flannel - a minimal CNI plugin named `flannel` for the test bed, shipped in the flannel image as /flannel and
# copied to the host's /opt/cni/bin/flannel by the DaemonSet's init container (test/testbed/flannel.yaml).
#
# Why a shell script: flannel's own plugin (github.com/flannel-io/cni-plugin) is not served by the Go module
# proxy (403) and Debian's containernetworking-plugins have no `flannel` plugin. This script does what
# flannel-io/cni-plugin does (flannel.go, flannel_linux.go), for IPv4:
#   ADD:   reads the subnet file flanneld writes (default /run/flannel/subnet.env: FLANNEL_NETWORK,
#          FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ) and delegates to the plugin in "delegate.type"
#          (default `bridge`, whose default bridge name is cni0) with: name and cniVersion from the network
#          config; unless the delegate sets them: ipMasq = !FLANNEL_IPMASQ, mtu = FLANNEL_MTU, isGateway = true
#          (bridge); and ipam = the config's "ipam" (type host-local unless set) with
#          ranges [[{subnet: FLANNEL_SUBNET's network}]] and routes += [{dst: FLANNEL_NETWORK}].
#          The delegate config is saved in dataDir (default /var/lib/cni/flannel) under the container ID.
#   DEL:   delegates DEL with the saved config and removes it when that succeeded; nothing saved -> success.
#   CHECK: succeeds when ADD saved a delegate config (upstream's CHECK is a no-op; see below).
#   VERSION: the versions the delegated Debian plugins speak.
# Like upstream, "subnetFile" and "dataDir" in the network config override the defaults.
# Needs only a POSIX sh and awk on the host (kubelet's runtime runs CNI plugins on the host).
# The delegate's stdout (the CNI result or error) and exit status are this plugin's.
set -u

SUPPORTED_VERSIONS='["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]'
cni_version=1.0.0

# fail CODE MESSAGE: a CNI error object on stdout, exit 1
fail() {
  msg=$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')
  printf '{"cniVersion":"%s","code":%s,"msg":"%s"}\n' "$cni_version" "$1" "$msg"
  exit 1
}

# json_get KEY JSON: the raw value (string with its quotes, object, array, number, ...) of the top-level KEY
# of the JSON object JSON, whitespace-trimmed; prints nothing when KEY is absent. Nested keys are ignored.
json_get() {
  printf '%s' "$2" | awk -v want="\"$1\"" '
    BEGIN { RS = "\001" }
    function out(a, b,   v) { v = substr(s, a, b - a); gsub(/^[ \t\r\n]+|[ \t\r\n]+$/, "", v); print v; exit }
    {
      s = $0; n = length(s); depth = 0; instr = 0; esc = 0; invalue = 0; last = ""; cur = ""
      for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (instr) {
          if (esc) esc = 0
          else if (c == "\\") esc = 1
          else if (c == "\"") { instr = 0; if (depth == 1 && !invalue) last = substr(s, start, i - start + 1) }
          continue
        }
        if (c == "\"") { instr = 1; start = i }
        else if (c == "{" || c == "[") depth++
        else if (c == "}" || c == "]") { if (depth == 1 && invalue && cur == want) out(vstart, i); depth-- }
        else if (depth == 1 && c == ":" && !invalue) { cur = last; invalue = 1; vstart = i + 1 }
        else if (depth == 1 && c == "," && invalue) { if (cur == want) out(vstart, i); invalue = 0 }
      }
    }'
}

# json_str KEY JSON: a top-level string value without its quotes (values used here carry no escapes)
json_str() {
  v=$(json_get "$1" "$2")
  case $v in \"*\") v=${v#\"}; printf '%s' "${v%\"}" ;; esac
}

# inner JSON: the members of an object value without its braces ("" for an absent or empty object)
inner() {
  v=$1
  case $v in
    "") return 0 ;;
    \{*\}) v=${v#\{}; v=${v%\}}; printf '%s' "$v" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' ;;
    *) fail 7 "expected a JSON object, got: $v" ;;
  esac
}

# ipv4_network A.B.C.D/N: the network address of the prefix (host-local wants 10.244.1.0/24, flanneld
# writes FLANNEL_SUBNET=10.244.1.1/24)
ipv4_network() {
  addr=${1%/*} len=${1#*/}
  case $len in ''|*[!0-9]*) return 1 ;; esac
  [ "$len" -le 32 ] || return 1
  case $addr in *[!0-9.]*|.*|*.|*..*) return 1 ;; esac
  o1=${addr%%.*} r=${addr#*.}; o2=${r%%.*} r=${r#*.}; o3=${r%%.*} o4=${r#*.}
  case $o4 in *.*) return 1 ;; esac
  for o in "$o1" "$o2" "$o3" "$o4"; do [ -n "$o" ] && [ "$o" -le 255 ] || return 1; done
  n=$(( (o1 << 24) | (o2 << 16) | (o3 << 8) | o4 ))
  if [ "$len" -eq 0 ]; then n=0; else n=$(( n & ((0xffffffff << (32 - len)) & 0xffffffff) )); fi
  printf '%d.%d.%d.%d/%d' $(( (n >> 24) & 255 )) $(( (n >> 16) & 255 )) $(( (n >> 8) & 255 )) $(( n & 255 )) "$len"
}

# find_plugin TYPE: the executable TYPE in CNI_PATH
find_plugin() {
  case $1 in ''|*/*) fail 7 "invalid delegate plugin type: '$1'" ;; esac
  old_ifs=$IFS; IFS=:
  for d in ${CNI_PATH:-}; do
    if [ -n "$d" ] && [ -x "$d/$1" ]; then IFS=$old_ifs; printf '%s' "$d/$1"; return 0; fi
  done
  IFS=$old_ifs
  fail 7 "failed to find plugin \"$1\" in path [${CNI_PATH:-}]"
}

# has KEY MEMBERS: whether the object {MEMBERS} has the top-level KEY
has() { [ -n "$(json_get "$1" "{$2}")" ]; }

if [ "${CNI_COMMAND:-}" = VERSION ]; then
  printf '{"cniVersion":"%s","supportedVersions":%s}\n' "$cni_version" "$SUPPORTED_VERSIONS"
  exit 0
fi

conf=$(cat)
v=$(json_str cniVersion "$conf"); [ -z "$v" ] || cni_version=$v
case ${CNI_COMMAND:-} in ADD|DEL|CHECK) ;; *) fail 4 "unknown CNI_COMMAND: '${CNI_COMMAND:-}'" ;; esac
case ${CNI_CONTAINERID:-} in ''|*/*|.*) fail 4 "CNI_CONTAINERID is missing or invalid: '${CNI_CONTAINERID:-}'" ;; esac
name=$(json_str name "$conf")
[ -n "$name" ] || fail 7 "the network configuration has no name"
subnet_file=$(json_str subnetFile "$conf"); subnet_file=${subnet_file:-/run/flannel/subnet.env}
data_dir=$(json_str dataDir "$conf"); data_dir=${data_dir:-/var/lib/cni/flannel}
saved="$data_dir/$CNI_CONTAINERID"

case ${CNI_COMMAND:-} in
  ADD)
    [ -r "$subnet_file" ] || fail 11 "failed to load flannel 'subnet.env' file: open $subnet_file: no such file or directory. Check the flannel pod log for this node."
    network="" subnet="" mtu="" ipmasq="" ipv6=""
    while IFS='=' read -r k val || [ -n "$k" ]; do
      case $k in
        FLANNEL_NETWORK) network=$val ;;
        FLANNEL_SUBNET) subnet=$val ;;
        FLANNEL_MTU) mtu=$val ;;
        FLANNEL_IPMASQ) ipmasq=$val ;;
        FLANNEL_IPV6_NETWORK|FLANNEL_IPV6_SUBNET) [ -z "$val" ] || ipv6=$k ;;
      esac
    done < "$subnet_file"
    [ -z "$ipv6" ] || fail 7 "$subnet_file sets $ipv6: this minimal flannel plugin handles IPv4 only"
    [ -n "$network" ] || fail 7 "$subnet_file has no FLANNEL_NETWORK"
    range=$(ipv4_network "$subnet") || fail 7 "$subnet_file: invalid FLANNEL_SUBNET '$subnet'"
    ipv4_network "$network" >/dev/null || fail 7 "$subnet_file: invalid FLANNEL_NETWORK '$network'"

    d=$(inner "$(json_get delegate "$conf")") || { printf '%s\n' "$d"; exit 1; }
    d="$d${d:+,}\"name\":\"$name\""
    has type "$d" || d="$d,\"type\":\"bridge\""
    if ! has ipMasq "$d"; then
      case $ipmasq in true) d="$d,\"ipMasq\":false" ;; *) d="$d,\"ipMasq\":true" ;; esac
    fi
    if ! has mtu "$d" && [ -n "$mtu" ]; then
      case $mtu in *[!0-9]*) fail 7 "$subnet_file: invalid FLANNEL_MTU '$mtu'" ;; esac
      d="$d,\"mtu\":$mtu"
    fi
    type=$(json_str type "{$d}")
    if [ "$type" = bridge ] && ! has isGateway "$d"; then d="$d,\"isGateway\":true"; fi
    d="$d,\"cniVersion\":\"$cni_version\""

    ipam=$(inner "$(json_get ipam "$conf")") || { printf '%s\n' "$ipam"; exit 1; }
    has type "$ipam" || ipam="$ipam${ipam:+,}\"type\":\"host-local\""
    routes=$(json_get routes "{$ipam}")
    if [ -n "$(printf '%s' "${routes#\[}" | tr -d '][:space:]')" ]; then
      routes="${routes%\]},{\"dst\":\"$network\"}]"   # keep the config's routes, add flannel's network
    else
      routes="[{\"dst\":\"$network\"}]"
    fi
    ipam="$ipam${ipam:+,}\"ranges\":[[{\"subnet\":\"$range\"}]],\"routes\":$routes"
    # Go's encoding/json keeps the last of duplicate keys: the values appended here win
    delegate="{$d,\"ipam\":{$ipam}}"

    plugin=$(find_plugin "$type") || { printf '%s\n' "$plugin"; exit 1; }
    mkdir -p "$data_dir" || fail 999 "cannot create $data_dir"
    if ! { printf '%s' "$delegate" > "$saved.tmp" && mv -f "$saved.tmp" "$saved"; }; then
      fail 999 "cannot write $saved"
    fi
    printf '%s' "$delegate" | "$plugin"
    exit $?
    ;;
  DEL)
    [ -f "$saved" ] || exit 0   # nothing was set up (or already torn down): success, as the spec asks
    delegate=$(cat "$saved")
    plugin=$(find_plugin "$(json_str type "$delegate")") || { printf '%s\n' "$plugin"; exit 1; }
    out=$(printf '%s' "$delegate" | "$plugin"); rc=$?
    [ -z "$out" ] || printf '%s\n' "$out"
    [ "$rc" -ne 0 ] || rm -f "$saved"
    exit "$rc"
    ;;
  CHECK)
    # upstream's CHECK does nothing; this one fails when ADD left no delegate config. It does not delegate:
    # Debian's bridge 1.1.1 CHECK rejects the very routes it set up ("Expected Route {Dst:10.244.0.0/16
    # GW:<nil>} not found": host-local's gateway-less route is installed via the gateway).
    [ -f "$saved" ] || fail 7 "no saved flannel delegate configuration for container $CNI_CONTAINERID in $data_dir"
    exit 0
    ;;
esac
