#!/usr/bin/env bash
# bare.sh - the baseline of the Kubernetes bring-up benchmark: the stacked HA sequence by hand, as an engineer
# would type it from the kubeadm documentation ("Creating Highly Available Clusters with kubeadm", stacked etcd),
# driven from this machine over plain SSH:
#   1. HAProxy + keepalived on the two load-balancer hosts (both hosts at once; on each, HAProxy then keepalived)
#   2. the kubeadm configuration written to the first control plane
#   3. kubeadm init --config ... --upload-certs on it (certificateKey in the InitConfiguration: kubeadm refuses
#      --certificate-key beside --config); the CA hash copied from init's output
#   4. kubectl apply -f <CNI manifest URL>
#   5. kubeadm join <VIP>:6443 --control-plane --certificate-key ... on the second, then the third control plane
# Nothing waits besides what kubeadm itself waits for (no gates). Each step is one SSH command; the script prints
# "PHASE <name> <start ms> <end ms>" (epoch ms) after each. kubeadm's output stays on the hosts (/root/bare/init.log,
# /root/join.log), each line prefixed with its arrival time in epoch microseconds.
#
# env (all required): KEY (root login key file), CP1 CP2 CP3 (control-plane addresses), LB1 LB2 (load-balancer
#   addresses), VIP, MANIFEST_URL, K8S_VERSION (e.g. 1.34.2), POD_SUBNET, CLUSTER_NAME, HAPROXY_CFG (file),
#   KEEPALIVED_CFG1 KEEPALIVED_CFG2 (files, one per load-balancer host), IGNORE_PREFLIGHT (kubeadm's
#   --ignore-preflight-errors value; empty for none)
# The test hosts are container-like: kube-proxy must not write nf_conntrack_max (conntrack.maxPerCore 0), kubelet
# uses the systemd cgroup driver on cgroup v1 (failCgroupV1 false), SystemVerification is ignored (no kernel config).
set -euo pipefail
: "${KEY:?}" "${CP1:?}" "${CP2:?}" "${CP3:?}" "${LB1:?}" "${LB2:?}" "${VIP:?}" "${MANIFEST_URL:?}" "${K8S_VERSION:?}"
: "${POD_SUBNET:?}" "${CLUSTER_NAME:?}" "${HAPROXY_CFG:?}" "${KEEPALIVED_CFG1:?}" "${KEEPALIVED_CFG2:?}" "${IGNORE_PREFLIGHT?}"

on() { # on HOST COMMAND: run COMMAND as root on HOST
  local host=$1; shift
  ssh -i "$KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
    -o ConnectTimeout=5 "root@$host" "$@"
}
now() { date +%s%3N; }
phase() { # phase NAME COMMAND...: run COMMAND, print its start and end
  local name=$1 t0; shift
  t0=$(now)
  "$@"
  echo "PHASE $name $t0 $(now)"
}
ignore=${IGNORE_PREFLIGHT:+--ignore-preflight-errors=$IGNORE_PREFLIGHT}
# kubeadm's output is kept on the host with each line's arrival time (epoch microseconds; bash, no fork per line),
# so that the benchmark can show afterwards where kubeadm waited.
# shellcheck disable=SC2016 # expanded on the host
stamp='while IFS= read -r l; do printf "%s %s\n" "${EPOCHREALTIME/[.,]/}" "$l"; done'

token="$(openssl rand -hex 3).$(openssl rand -hex 8)" # [a-z0-9]{6}.[a-z0-9]{16}, like `kubeadm token generate`
certificate_key=$(openssl rand -hex 32)                 # like `kubeadm certs certificate-key`

# 1. load balancers
haproxy_on() { on "$1" 'cat > /etc/haproxy/haproxy.cfg && systemctl enable --quiet haproxy && systemctl restart haproxy' < "$HAPROXY_CFG"; }
keepalived_on() { on "$1" 'cat > /etc/keepalived/keepalived.conf && systemctl enable --quiet keepalived && systemctl restart keepalived' < "$2"; }
load_balancer() { phase "lb-$1-haproxy" haproxy_on "$2"; phase "lb-$1-keepalived" keepalived_on "$2" "$3"; }
load_balancer 0 "$LB1" "$KEEPALIVED_CFG1" &
lb0=$!
load_balancer 1 "$LB2" "$KEEPALIVED_CFG2" &
lb1=$!
wait "$lb0"
wait "$lb1"

# 2. kubeadm configuration of the first control plane
write_config() {
  on "$CP1" 'mkdir -p /root/bare && cat > /root/bare/kubeadm.yaml && chmod 600 /root/bare/kubeadm.yaml' <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: $token
certificateKey: $certificate_key
localAPIEndpoint:
  advertiseAddress: $CP1
nodeRegistration:
  name: cp-0
  kubeletExtraArgs:
  - name: node-ip
    value: $CP1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: $CLUSTER_NAME
kubernetesVersion: v$K8S_VERSION
controlPlaneEndpoint: $VIP:6443
networking:
  podSubnet: $POD_SUBNET
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
failCgroupV1: false
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
conntrack:
  maxPerCore: 0
EOF
}
phase config write_config

# 3. kubeadm init; the CA hash from its output (the join command it prints)
init() {
  ca_hash=$(on "$CP1" "kubeadm init --config /root/bare/kubeadm.yaml --upload-certs $ignore 2>&1 | $stamp > /root/bare/init.log; \
    [ \${PIPESTATUS[0]} = 0 ] || { tail -n 40 /root/bare/init.log >&2; exit 1; }; grep -o 'sha256:[0-9a-f]\{64\}' /root/bare/init.log | head -n 1")
  [ -n "$ca_hash" ] || { echo "no CA hash in kubeadm init's output" >&2; exit 1; }
}
phase init init

# 4. CNI
cni() { on "$CP1" "kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f '$MANIFEST_URL' >/dev/null"; }
phase cni cni

# 5. the other control planes, one after the other
join() { # join ADDRESS NODE-NAME
  on "$1" "kubeadm join $VIP:6443 --token $token --discovery-token-ca-cert-hash $ca_hash --control-plane \
    --certificate-key $certificate_key --apiserver-advertise-address $1 --node-name $2 $ignore 2>&1 | $stamp > /root/join.log; \
    [ \${PIPESTATUS[0]} = 0 ] || { tail -n 40 /root/join.log >&2; exit 1; }"
}
phase cp-1-join join "$CP2" cp-1
phase cp-2-join join "$CP3" cp-2
