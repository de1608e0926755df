#!/usr/bin/env bash
# kind-hosts.sh - N "kind-node-like" test hosts on one Linux machine (root needed), for the real Kubernetes
# bring-ups. Same verbs and layout as hosts.sh beside it, whose functions it sources; differences:
#   - systemd is PID 1 of each host (env container=other), with its own cgroup namespace and fresh cgroup
#     mounts rooted at a per-host cgroup (hybrid v1 layout: kubelet sees cgroup v1), a private /dev, tmpfs
#     /run, /run/lock and /tmp; sshd, dbus, logind, journald and containerd run as units; systemctl works
#     over SSH. Units the machine has but a node does not want are masked ($TESTBED_MASK).
#   - /var/lib/containerd is bind-mounted from a per-host directory on the machine's own disk: the overlayfs
#     snapshotter cannot use the overlay root ("not supported as upperdir").
#   - six kernel-wide sysctls kubelet writes (vm.overcommit_memory, vm.panic_on_oom, kernel.panic,
#     kernel.panic_on_oops, kernel.keys.root_max*) are shown read-only with the values kubelet wants, so no
#     host changes the machine itself.
# Each host hN = network ns "${P}-hN" (veth "${P}v-hN" into bridge "${P}br0", address $NET.(10+N)/24) + mount
# ns with a copy-on-write overlay of / (upper dir = the host's "disk") + UTS, IPC, PID and cgroup ns.
# Power-off = SIGKILL the host's PID 1 (`crash hN`); `boot hN` starts it again with its disk intact.
# `partition hN` takes the host's link down; `heal hN` undoes it. `down` removes everything (idempotent).
#   - a machine image: TESTBED_IMAGE (a directory, optional) is the overlay's middle layer, between the host's
#     disk and the machine's /: what a machine image and package installs leave (binaries, units, config).
# usage: kind-hosts.sh up N | down | status | ssh hN CMD... | crash hN | boot hN | partition hN | heal hN
# env:   TESTBED_STATE (state dir, default /tmp/pulumi-k8s-ha-kind), TESTBED_PREFIX (pkk),
#        TESTBED_NET (first three octets, default 10.215.0), TESTBED_MASK (units to mask),
#        TESTBED_IMAGE (image layer directory, default none)
# Needs (Debian): iproute2 openssh-server openssh-client util-linux systemd dbus containerd runc iptables.
set -euo pipefail
TESTBED_STATE=${TESTBED_STATE:-/tmp/pulumi-k8s-ha-kind}
TESTBED_PREFIX=${TESTBED_PREFIX:-pkk}
TESTBED_NET=${TESTBED_NET:-10.215.0}
# shellcheck source=test/hosts/hosts.sh
. "$(dirname "$(readlink -f "$0")")/hosts.sh"
MASK=${TESTBED_MASK-"getty@tty1.service getty.target console-getty.service serial-getty@.service systemd-modules-load.service
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount sys-kernel-debug.mount sys-kernel-tracing.mount
  sys-kernel-config.mount sys-fs-fuse-connections.mount dev-hugepages.mount systemd-remount-fs.service
  systemd-timesyncd.service systemd-pstore.service systemd-firstboot.service systemd-repart.service
  etcd.service etcd2.service haproxy.service keepalived.service postgresql.service e2scrub_reap.service
  cloud-init.target cloud-init-local.service cloud-init.service cloud-config.service cloud-final.service
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer"}
WAIT_SSH_TRIES=600 # systemd boots slower than a bare sshd

seed_host_extra() { # $1=name $2=host dir: what systemd needs on the disk; units a node does not want masked
  local d=$2 sd=$2/upper/etc/systemd/system u
  [ -s "$d/upper/etc/machine-id" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$d/upper/etc/machine-id"
  echo >> "$d/upper/etc/machine-id"
  install -d "$sd" "$d/upper/etc/systemd/journald.conf.d"
  ln -sfn /lib/systemd/system/multi-user.target "$sd/default.target"
  for u in $MASK; do ln -sfn /dev/null "$sd/$u"; done
  printf '[Journal]\nReadKMsg=no\nStorage=volatile\n' > "$d/upper/etc/systemd/journald.conf.d/testbed.conf"
}

host_network_extra() { # $1=name
  # A default route like a VM's (kubelet and flanneld pick the node's address and interface from it), via an
  # address nobody holds: packets for anywhere outside the test network are never answered and never leave it.
  ip -n "$(ns_of "$1")" route add default via "$NET.254" dev eth0
}

before_up() {
  if [ -n "${TESTBED_IMAGE:-}" ]; then
    # overlayfs refuses two lower layers of one file system where one lies under the other (ELOOP, "overlapping
    # lowerdir path"), and / is a lower layer: the image layer gets a file system of its own, a tmpfs copy.
    [ -d "$TESTBED_IMAGE" ] || die "up: TESTBED_IMAGE $TESTBED_IMAGE is not a directory"
    mkdir -p "$S/image"; mount -t tmpfs -o mode=755 "$P-image" "$S/image"; cp -a "$TESTBED_IMAGE/." "$S/image/"
  fi
}

after_hosts_down() { # PID 1s may still be exiting; then the per-host cgroups and the image layer go
  local up cg _
  for up in $(cat "$S"/hosts/h*/unshare.pid 2>/dev/null); do
    for _ in $(seq 1 50); do [ -d "/proc/$up" ] || break; sleep 0.1; done
  done
  for cg in $(cat "$S"/hosts/h*/cgroups 2>/dev/null); do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$cg" ] && echo "down: could not remove cgroup $cg" >&2
  done
  ! mountpoint -q "$S/image" || umount "$S/image" || echo "down: could not unmount $S/image" >&2
  rm -rf "$S/image"
}

extra_verb() {
  case "${1:-}" in
    _boot) cmd_boot_ns "$2" ;;
    *) echo "usage: $0 up N | down | status | ssh hN CMD | crash hN | boot hN | partition hN | heal hN" >&2; exit 2 ;;
  esac
}

host_boot() { # sshd becomes PID 1 of the host's PID namespace
  local n=$1 d=$S/hosts/$1
  setsid "$SELF" _boot "$n" </dev/null >"$d/console.log" 2>&1 &
  echo $! > "$d/unshare.pid"
}

cgroup_mounts() { # "mountpoint options" of the machine's cgroup v1/v2 hierarchies
  awk '$3=="cgroup"||$3=="cgroup2"{print $2, $4}' /proc/self/mounts
}

cmd_boot_ns() { # runs in the machine's namespaces: put ourselves in per-host cgroups, then unshare
  local n=$1 d=$S/hosts/$1 mp opts rel cg
  : > "$d/cgroups"
  while read -r mp opts; do
    # our current path in that hierarchy (v1: by controller/name, v2: 0::)
    if [ "$mp" = /sys/fs/cgroup/unified ]; then rel=$(awk -F: '$1=="0"{print $3}' /proc/self/cgroup)
    else local key=${mp##*/}; rel=$(awk -F: -v k="$key" '{n=split($2,a,","); for(i=1;i<=n;i++) if(a[i]==k||a[i]=="name="k) print $3}' /proc/self/cgroup)
    fi
    cg=$mp${rel%/}/$P-$n
    mkdir -p "$cg"
    if [ -f "$cg/cpuset.cpus" ]; then cat "$(dirname "$cg")/cpuset.cpus" > "$cg/cpuset.cpus"; cat "$(dirname "$cg")/cpuset.mems" > "$cg/cpuset.mems"; fi
    find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true # stale cgroups of a crashed boot
    echo $$ > "$cg/cgroup.procs"
    echo "$cg" >> "$d/cgroups"
  done < <(cgroup_mounts)
  export TESTBED_CGMOUNTS; TESTBED_CGMOUNTS=$(cgroup_mounts | tr ' ' ':' | tr '\n' ' ')
  exec ip netns exec "$(ns_of "$n")" unshare --mount --uts --ipc --pid --cgroup --fork --kill-child \
    --propagation private "$SELF" _init "$n"
}

cmd_init() { # runs as PID 1 inside the new namespaces (net, mnt, uts, ipc, pid, cgroup)
  local n=$1 d=$S/hosts/$1 r=$S/hosts/$1/root m mp opts
  local image=""; ! mountpoint -q "$S/image" || image=$S/image
  mount -t overlay overlay -o "lowerdir=${image:+$image:}/,upperdir=$d/upper,workdir=$d/work" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /sys "$r/sys" # ip netns exec already remounted /sys for this netns (no cgroup mounts under it)
  # cgroups like kind with a private cgroupns: fresh mounts of the machine's hierarchies, rooted at our cgroup
  mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs "$r/sys/fs/cgroup"
  for m in $TESTBED_CGMOUNTS; do
    mp=${m%%:*}; opts=${m#*:}; mkdir -p "$r$mp"
    if [ "$mp" = /sys/fs/cgroup/unified ]; then mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r$mp"
    else mount -t cgroup -o "nosuid,nodev,noexec,${opts#rw,relatime,}" cgroup "$r$mp"; fi
  done
  # private /dev (not the machine's devtmpfs)
  mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
  mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5; mknod -m 666 "$r/dev/full" c 1 7
  mknod -m 666 "$r/dev/random" c 1 8; mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
  mknod -m 644 "$r/dev/kmsg" c 1 11; mknod -m 666 "$r/dev/fuse" c 10 229; mknod -m 660 "$r/dev/loop-control" c 10 237
  for m in $(seq 0 7); do mknod -m 660 "$r/dev/loop$m" b 7 "$m"; done
  mkdir -p "$r/dev/pts" "$r/dev/shm" "$r/dev/mqueue"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"; ln -s pts/ptmx "$r/dev/ptmx"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
  mount -t mqueue mqueue "$r/dev/mqueue"
  ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
  mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$r/run"; mkdir -p "$r/run/lock"
  mount -t tmpfs -o mode=1777,nosuid,nodev,noexec tmpfs "$r/run/lock"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" # private /tmp (also hides the state dir inside hosts)
  # containerd's state on the machine's ext4 (persists like a disk; overlayfs snapshotter cannot use the overlay root)
  mkdir -p "$d/containerd" "$r/var/lib/containerd"; mount --bind "$d/containerd" "$r/var/lib/containerd"
  # the kernel-wide sysctls kubelet insists on (protectKernelDefaults=false writes them, =true checks them): show the
  # values it wants through read-only bind mounts so that no host writes the machine's global /proc/sys/{vm,kernel}
  local kv; for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
      kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
    mkdir -p "$d/sysctl/${kv%/*}"; echo "${kv#*=}" > "$d/sysctl/${kv%%=*}"
    mount --bind "$d/sysctl/${kv%%=*}" "$r/proc/sys/${kv%%=*}"; mount -o remount,bind,ro "$r/proc/sys/${kv%%=*}"
  done
  # no /dev/console: systemd only logs to a tty (a bind-mounted file stays empty); use journalctl over SSH
  hostname "$n"
  mkdir -p "$r/run/.oldroot"; cd "$r"; pivot_root . run/.oldroot
  exec chroot . /bin/sh -c 'umount -l /run/.oldroot && rmdir /run/.oldroot && mount --make-rshared / &&
    exec env -i container=other PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --log-target=console >/dev/null 2>&1'
}

main "$@"
