#!/usr/bin/env bash
# hosts.sh - N "VM-like" test hosts on one Linux machine, for the integration tests (root needed).
#
# Each host hN = network ns "${P}-hN" (veth "${P}v-hN" into bridge "${P}br0", address $NET.(10+N)/24)
#              + mount ns with a copy-on-write overlay of / (the overlay's upper dir is the host's "disk")
#              + private tmpfs /run and /tmp, UTS ns (own hostname), IPC ns, PID ns
#              + a real OpenSSH sshd as PID 1 (key login as root with a throwaway ed25519 key).
# The machine itself gets $NET.1 on the bridge, so tests SSH to the hosts directly. The subnet exists
# only on that bridge and inside the namespaces; every name starts with $P so nothing else is touched.
# Power-off = SIGKILL the host's PID 1 (`crash hN`): the kernel then kills everything in the host.
# `partition hN` takes the host's link down (packets are dropped, SSH dials time out); `heal hN` undoes it.
# `down` removes everything the script made, also after a failed or interrupted `up` (idempotent).
#
# usage: hosts.sh up N | down | status | ssh hN CMD... | crash hN | boot hN | partition hN | heal hN
# env:   TESTBED_STATE (state dir, default /tmp/pulumi-k8s-ha-testbed), TESTBED_PREFIX (pkh),
#        TESTBED_NET (first three octets, default 10.213.0)
# Needs: iproute2 openssh-server openssh-client util-linux (unshare) and kernel overlayfs.
# kind-hosts.sh sources this file for everything the two kinds share and overrides the hooks below (seed_host_extra,
# host_network_extra, before_up, after_hosts_down, extra_verb), host_boot and cmd_init.
set -euo pipefail
S=${TESTBED_STATE:-/tmp/pulumi-k8s-ha-testbed}
P=${TESTBED_PREFIX:-pkh}
NET=${TESTBED_NET:-10.213.0}
BR=${P}br0
SELF=$(readlink -f "$0")
KEY=$S/keys/id_ed25519
SSHCFG=$S/ssh_config

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
num_of() { [[ $1 =~ ^h([1-9][0-9]?)$ ]] || die "bad host name '$1' (want h1..h99)"; echo "${BASH_REMATCH[1]}"; }
ip_of() { echo "$NET.$((10 + $(num_of "$1")))"; }
ns_of() { echo "$P-$1"; }
veth_of() { echo "${P}v-$1"; }

host_up() { # $1=name  $2=N (total, for /etc/hosts)
  local n=$1 addr d; addr=$(ip_of "$n"); d=$S/hosts/$n
  mkdir -p "$d"/{upper,work,root}
  # per-host files seeded into the overlay's upper layer (what the host sees as /)
  install -d -m 755 "$d/upper/etc/ssh"; install -d -m 700 "$d/upper/root" "$d/upper/root/.ssh"
  [ -f "$d/upper/etc/ssh/ssh_host_ed25519_key" ] ||
    ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$d/upper/etc/ssh/ssh_host_ed25519_key"
  install -m 600 "$KEY.pub" "$d/upper/root/.ssh/authorized_keys"
  echo "$n" > "$d/upper/etc/hostname"
  { grep -v "^$NET\." /etc/hosts; for j in $(seq 1 "$2"); do echo "$(ip_of "h$j") h$j"; done; } > "$d/upper/etc/hosts"
  cat > "$d/upper/etc/ssh/sshd_config" <<EOF
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PidFile /run/sshd.pid
MaxStartups 100:30:200
MaxSessions 64
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
EOF
  seed_host_extra "$n" "$d"
  ip netns add "$(ns_of "$n")"
  ip link add "$(veth_of "$n")" type veth peer name eth0 netns "$(ns_of "$n")"
  ip link set "$(veth_of "$n")" master "$BR" up
  ip -n "$(ns_of "$n")" addr add "$addr/24" dev eth0
  ip -n "$(ns_of "$n")" link set lo up
  ip -n "$(ns_of "$n")" link set eth0 up
  host_network_extra "$n"
  host_boot "$n"
}

# Hooks for kind-hosts.sh; no-ops here.
seed_host_extra() { :; }    # $1=name $2=host dir: more files on the host's disk
host_network_extra() { :; } # $1=name: more network set-up in the host's namespace
before_up() { :; }          # after the state directories exist, before any host
after_hosts_down() { :; }   # after every host is gone, before the state is removed
extra_verb() { echo "usage: $0 up N | down | status | ssh hN CMD | crash hN | boot hN | partition hN | heal hN" >&2; exit 2; }

host_boot() { # sshd becomes PID 1 of the host's PID namespace
  local n=$1 d=$S/hosts/$1
  setsid ip netns exec "$(ns_of "$n")" unshare --mount --uts --ipc --pid --fork --kill-child \
    --propagation private "$SELF" _init "$n" </dev/null >"$d/console.log" 2>&1 &
  echo $! > "$d/unshare.pid"
}

cmd_init() { # runs as PID 1 inside the new namespaces
  local n=$1 d=$S/hosts/$1 r=$S/hosts/$1/root
  mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /sys "$r/sys" # ip netns exec already remounted /sys for this netns
  mount --rbind /dev "$r/dev"
  mount -t tmpfs -o mode=755 tmpfs "$r/run"; mkdir -p "$r/run/sshd" "$r/run/lock"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" # private /tmp (also hides the state dir inside hosts)
  hostname "$n"
  cd "$r"; exec chroot "$r" /usr/sbin/sshd -D -e
}

write_ssh_config() {
  {
    for j in $(seq 1 "$1"); do printf 'Host h%s\n  HostName %s\n' "$j" "$(ip_of "h$j")"; done
    cat <<EOF
Host h* $NET.*
  User root
  IdentityFile $KEY
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 5
EOF
  } > "$SSHCFG"
}

WAIT_SSH_TRIES=100 # x 0.1 s
wait_ssh() { # $1=name: until sshd accepts a login, max WAIT_SSH_TRIES / 10 s
  local _
  for _ in $(seq 1 "$WAIT_SSH_TRIES"); do ssh -F "$SSHCFG" "$1" true 2>/dev/null && return 0; sleep 0.1; done
  echo "$1: ssh not up; console:" >&2; cat "$S/hosts/$1/console.log" >&2 || true; return 1
}

cmd_up() {
  local N=$1 t0 i j rc=0 waits=()
  [[ $N =~ ^[1-9][0-9]?$ ]] || die "up: N must be 1..99"
  t0=$(ms)
  { [ -z "$(ip netns list | grep "^$P-" || true)" ] && ! ip link show "$BR" >/dev/null 2>&1; } ||
    die "up: $P hosts or bridge already exist; run down first"
  mkdir -p "$S/keys" "$S/hosts"
  before_up
  [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C pulumi-k8s-ha-testbed -f "$KEY"
  ip link add "$BR" type bridge; ip addr add "$NET.1/24" dev "$BR"; ip link set "$BR" up
  for i in $(seq 1 "$N"); do host_up "h$i" "$N"; done
  write_ssh_config "$N"
  for i in $(seq 1 "$N"); do wait_ssh "h$i" & waits+=($!); done
  for j in "${waits[@]}"; do wait "$j" || rc=1; done
  [ $rc = 0 ] || die "up: not every host came up"
  echo "up: $N hosts in $(( $(ms) - t0 )) ms; try: $0 ssh h1 hostname"
}

kill_netns_procs() { # SIGKILL every process in netns $1 (all of them belong to one test host)
  local pids _
  for _ in $(seq 1 50); do
    pids=$(ip netns pids "$1" 2>/dev/null || true)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # one PID per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
}

cmd_down() {
  local t0 ns v _; t0=$(ms)
  for ns in $(ip netns list | awk -v p="^$P-" '$1 ~ p {print $1}'); do
    kill_netns_procs "$ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  # netns teardown (and with it the veth) is asynchronous: wait so that a following `up` works
  for v in $(ip -br link | awk -v p="^${P}v-" '$1 ~ p {sub(/@.*/, "", $1); print $1}'); do
    for _ in $(seq 1 50); do ip link show "$v" >/dev/null 2>&1 || break; sleep 0.1; done
    ip link del "$v" 2>/dev/null || true
  done
  ip link del "$BR" 2>/dev/null || true
  after_hosts_down
  rm -rf "$S/hosts" "$SSHCFG" "$S/keys"
  echo "down in $(( $(ms) - t0 )) ms"
}

init_pid() { # the host's PID 1 as seen from the machine (child of the unshare process)
  local p; p=$(cat "$S/hosts/$1/unshare.pid" 2>/dev/null) || return 0
  tr -d ' ' <"/proc/$p/task/$p/children" 2>/dev/null || true
}

cmd_crash() { # hard power-off of one host: the kernel kills every process in it
  local i; i=$(init_pid "$1")
  [ -n "$i" ] || die "crash: $1 is not running"
  kill -KILL "$i"
  for _ in $(seq 1 50); do [ -z "$(init_pid "$1")" ] && break; sleep 0.1; done
  echo "$1 crashed (init $i)"
}

cmd_boot() { # power a crashed host back on (its overlay upper dir = its disk survives)
  [ -d "$S/hosts/$1" ] || die "boot: no host $1"
  [ -z "$(init_pid "$1")" ] || die "boot: $1 is running"
  host_boot "$1"
  wait_ssh "$1"
  echo "$1 booted"
}

cmd_link() { # $1=name $2=up|down
  [ -d "$S/hosts/$1" ] || die "no host $1"
  ip link set "$(veth_of "$1")" "$2"
  echo "$1 link $2"
}

cmd_status() {
  ip -br addr show "$BR" 2>/dev/null || echo "no bridge $BR"
  local d n
  for d in "$S"/hosts/h*; do
    [ -d "$d" ] || continue
    n=$(basename "$d")
    printf '%s %s netns=%s init=%s link=%s\n' "$n" "$(ip_of "$n")" "$(ns_of "$n")" \
      "$(init_pid "$n" || true)" "$(ip -br link show "$(veth_of "$n")" 2>/dev/null | awk '{print $2}')"
  done
}

main() {
[ "$(id -u)" = 0 ] || die "root needed"
case "${1:-}" in
  up) cmd_up "${2:-3}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  ssh) shift; [ -f "$SSHCFG" ] || die "ssh: no test bed up"; exec ssh -F "$SSHCFG" "$@" ;;
  crash) num_of "${2:-}" >/dev/null; cmd_crash "$2" ;;
  boot) num_of "${2:-}" >/dev/null; cmd_boot "$2" ;;
  partition) num_of "${2:-}" >/dev/null; cmd_link "$2" down ;;
  heal) num_of "${2:-}" >/dev/null; cmd_link "$2" up ;;
  _init) cmd_init "$2" ;;
  *) extra_verb "$@" ;;
esac
}

# Run only when executed, not when sourced by kind-hosts.sh.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
