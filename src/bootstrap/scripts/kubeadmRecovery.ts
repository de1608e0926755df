import { STACKED_ETCD_DATA_DIR } from "../kubeadmConfig";
import { paths } from "../paths";
import { bashBraces, ETCDCTL_AT } from "./shell";

/** The kubeadm steps that can be interrupted and recovered. */
export type KubeadmStep = "init" | "join";

/**
 * How long an interrupted kubeadm step waits for the cluster's API (and etcd) to answer before it decides what to do
 * with the half-done state it finds. After a power-off the kubelet restarts the static pods on its own (its unit
 * restarts every 10 s); on the test machines the API answers 30-90 s after boot.
 */
export const INTERRUPTED_STEP_API_WAIT_SECONDS = 300;

/**
 * Parameters the recovery functions read, for a kubeadm step's script header: the pristine copy of the placed
 * files, kubeadm's files that show how far it got, the step's completion and start records, and kubeadm's etcd
 * health-check client certificate (any client certificate of the etcd CA may change the membership).
 */
export function kubeadmRecoveryParameters(step: KubeadmStep): Record<string, string | number> {
  // init_outcome reads the init-only ones, join_state_present and join_completed_before the join-only ones.
  const stepOnly: Record<string, string> =
    step === "init"
      ? { SUPER_ADMIN_CONF: paths.superAdminKubeconfig, ETCD_DATA_DIR: STACKED_ETCD_DATA_DIR }
      : { APISERVER_MANIFEST: paths.apiServerManifest, ETCD_CA_KEY: `${paths.kubernetesPki}/etcd/ca.key` };
  return {
    STEP: step,
    PRISTINE_DIR: paths.placedFilesDir,
    DONE_MARKER: step === "init" ? paths.kubeadmInitDone : paths.kubeadmJoinDone,
    STARTED_MARKER: step === "init" ? paths.kubeadmInitStarted : paths.kubeadmJoinStarted,
    API_WAIT_SECONDS: INTERRUPTED_STEP_API_WAIT_SECONDS,
    ADMIN_CONF: paths.adminKubeconfig,
    KUBELET_CONF: paths.kubeletKubeconfig,
    KUBELET_CONFIG: paths.kubeletConfig,
    ETCD_MANIFEST: paths.etcdManifest,
    ...stepOnly,
    CA_FILE: `${paths.kubernetesPki}/etcd/ca.crt`,
    CERT_FILE: `${paths.kubernetesPki}/etcd/healthcheck-client.crt`,
    KEY_FILE: `${paths.kubernetesPki}/etcd/healthcheck-client.key`,
  };
}

/**
 * Bash function `restore_placed_files`: puts back every file the place-files step placed (CAs, keys, kubeadm's
 * configuration files) from the pristine copy it keeps under `PRISTINE_DIR`, where missing or changed. `kubeadm
 * reset` deletes all of /etc/kubernetes/pki, the program's CAs included, and the place-files step does not run again
 * on a retry (its inputs did not change): without this a retried init would make a new CA that breaks every join's
 * CA pin, and a retried join would fail kubeadm's shared-certificate preflight.
 */
export const RESTORE_PLACED_FILES = bashBraces(String.raw`restore_placed_files() {
  local copy target
  [ -d "$PRISTINE_DIR" ] || return 0
  while IFS= read -r -d '' copy; do
    target="@{copy#"$PRISTINE_DIR"}"
    if ! cmp -s "$copy" "$target"; then
      mkdir -p "$(dirname "$target")"
      cp -p "$copy" "$target"
      echo "restored $target"
    fi
  done < <(find "$PRISTINE_DIR" -type f -print0 | sort -z)
}`);

/**
 * Bash functions `read_node_identity` and `url_host`: this machine as the placed kubeadm configuration (`CONFIG_FILE`)
 * names it: `node_name` (nodeRegistration.name, else the hostname), `advertise_address`, `bind_port`, and the etcd
 * `peer_url` and `client_url` kubeadm derives from the advertise address.
 */
export const NODE_IDENTITY = bashBraces(String.raw`url_host() {
  case "$1" in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac
}

read_node_identity() {
  node_name=""
  advertise_address=""
  bind_port=""
  if [ -f "$CONFIG_FILE" ]; then
    node_name="$(sed -n '/^nodeRegistration:/,/^[^ ]/s/^  name:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1 | tr -d "'\"" || true)"
    advertise_address="$(sed -n 's/^ *advertiseAddress:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1 | tr -d "'\"" || true)"
    bind_port="$(sed -n 's/^ *bindPort:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1 | tr -d "'\"" || true)"
  fi
  [ -n "$node_name" ] || node_name="$(hostname)"
  [ -n "$bind_port" ] || bind_port=6443
  peer_url=""
  client_url=""
  if [ -n "$advertise_address" ]; then
    peer_url="https://$(url_host "$advertise_address"):2380"
    client_url="https://$(url_host "$advertise_address"):2379"
  fi
}`);

/**
 * Bash function `record_step FILE TEXT`: writes a completion or start record atomically and syncs it with its
 * directory, so that a power-off right after cannot lose it.
 */
export const RECORD_STEP = String.raw`record_step() {
  local file="$1" dir
  dir="$(dirname "$file")"
  mkdir -p "$dir"
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" > "$file.tmp"
  mv -f "$file.tmp" "$file"
  sync "$file" "$dir" 2>/dev/null || sync
}`;

/**
 * Bash functions `this_member LIST` (the lines of an `etcdctl member list -w simple` that are this machine's member:
 * by name, or by peer URL for a member added but never started, which has no name yet) and
 * `etcd_client_urls_from_api` (the client URLs of the cluster's stacked etcd members other than this machine's, from
 * the `kubeadm.kubernetes.io/etcd.advertise-client-urls` annotation of the etcd pods, as kubeadm itself finds them).
 */
export const ETCD_MEMBER_LOOKUP = String.raw`this_member() {
  printf '%s\n' "$1" | awk -F', ' -v name="$node_name" -v peer="$peer_url" '($3 != "" && $3 == name) || (peer != "" && index($0, ", " peer ",") > 0)'
}

etcd_client_urls_from_api() {
  local urls
  urls="$(kubectl --kubeconfig "$ADMIN_CONF" --request-timeout=10s -n kube-system get pods -l component=etcd \
    -o 'jsonpath={range .items[*]}{.metadata.annotations.kubeadm\.kubernetes\.io/etcd\.advertise-client-urls}{"\n"}{end}' 2>&1)" || {
    printf '%s\n' "$urls" | tail -n 1
    return 1
  }
  printf '%s\n' "$urls" | tr ',' '\n' | grep -v '^$' | grep -vxF "$client_url" | sort -u | paste -sd, || true
}`;

/**
 * Bash function `local_etcd_member_removed`: whether `kubeadm reset` may delete this machine's stacked etcd data.
 * kubeadm reset removes the machine's own etcd member from the cluster only when it can reach the cluster through
 * the API (admin.conf and the kubeadm-config ConfigMap); when it cannot, it still deletes /var/lib/etcd and leaves
 * the member in the member list, a dead voter that costs the cluster its margin (with two members, its quorum), or
 * a learner that blocks every later gate. So before a reset this removes the member itself (found by name or peer
 * URL), with etcdctl against the other members of the `--initial-cluster` in kubeadm's etcd manifest, and answers no
 * (status 1, with the reason) when the other members cannot be asked or refuse. A manifest naming only this member
 * is a cluster of its own (a failed init), nothing to keep.
 *
 * No manifest: an init never made a member then, and neither did a join without etcd client certificates (kubeadm's
 * certs phase) or admin.conf (its etcd phase needs it). A join with both may have been stopped between adding its
 * member and writing the manifest: the other members are then found through the API (`etcd_client_urls_from_api`).
 */
export const LOCAL_ETCD_MEMBER_REMOVED = bashBraces(String.raw`local_etcd_member_removed() {
  local others list lines id kind err manifest_peer
  if [ -f "$ETCD_MANIFEST" ]; then
    manifest_peer="$(sed -n 's/^ *- --initial-advertise-peer-urls=//p' "$ETCD_MANIFEST" | head -n 1)"
    [ -z "$manifest_peer" ] || peer_url="$manifest_peer"
    others="$(sed -n 's/^ *- --initial-cluster=//p' "$ETCD_MANIFEST" | head -n 1 | tr ',' '\n' | cut -d= -f2- | grep -vxF "$peer_url" | sed 's/:2380$/:2379/' | paste -sd, || true)"
    [ -n "$others" ] || return 0
  elif [ "$STEP" = join ] && [ -f "$CERT_FILE" ] && [ -f "$ADMIN_CONF" ]; then
    if ! others="$(etcd_client_urls_from_api)" || [ -z "$others" ]; then
      echo "kubeadm join may have added an etcd member for $node_name before it was stopped, and the cluster's other etcd members could not be found through the API: $others" >&2
      return 1
    fi
  else
    return 0
  fi
  if ! list="$(etcdctl_at "$others" --command-timeout=5s member list -w simple 2>&1)"; then
    echo "the other etcd members ($others) did not answer: $(printf '%s\n' "$list" | tail -n 1)" >&2
    return 1
  fi
  lines="$(this_member "$list")"
  [ -n "$lines" ] || return 0
  err="$(mktemp)"
  while IFS= read -r line; do
    id="@{line%%,*}"
    kind="voter"
    case "$line" in *", true") kind="learner" ;; esac
    case "$line" in *", unstarted, "*) kind="$kind, never started" ;; esac
    if etcdctl_at "$others" --command-timeout=10s member remove "$id" >/dev/null 2>"$err"; then
      echo "removed this machine's etcd member $id from the cluster (it was a $kind)"
    elif ! etcdctl_at "$others" --command-timeout=5s member list -w simple 2>/dev/null | grep -q "^$id, "; then
      echo "this machine's etcd member $id is gone already"
    else
      echo "etcd refused to remove this machine's member $id: $(tail -n 1 "$err")" >&2
      rm -f "$err"
      return 1
    fi
  done <<< "$lines"
  rm -f "$err"
}`);

/**
 * Bash function `forget_this_node` (joins only): deletes this machine's Node object before it joins again. kubeadm
 * join refuses a Node of the same name that is still Ready ("a Node with name ... and status Ready already
 * exists"), and a machine booted after a power-off reports Ready again for a while. Only a Node this machine
 * registered is deleted: one with this machine's address, when this machine has node credentials (kubelet.conf).
 * The kubelet is stopped first so that it cannot register the Node again before the reset.
 */
export const FORGET_THIS_NODE = bashBraces(String.raw`forget_this_node() {
  local seen
  [ "$STEP" = join ] && [ -f "$KUBELET_CONF" ] && [ -f "$ADMIN_CONF" ] || return 0
  if command -v systemctl >/dev/null 2>&1; then systemctl stop kubelet >/dev/null 2>&1 || true; fi
  if ! seen="$(kubectl --kubeconfig "$ADMIN_CONF" --request-timeout=10s get node "$node_name" --ignore-not-found \
      -o 'jsonpath={.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address}' 2>&1)"; then
    echo "could not look up Node $node_name ($(printf '%s\n' "$seen" | tail -n 1)); kubeadm join refuses it while it is Ready"
    return 0
  fi
  [ -n "$seen" ] || return 0
  if [ -n "$advertise_address" ] && [ "@{seen#* }" != "$advertise_address" ]; then
    echo "Node $node_name has address @{seen#* }, not this machine's $advertise_address: left as it is"
    return 0
  fi
  if kubectl --kubeconfig "$ADMIN_CONF" --request-timeout=10s delete node "$node_name" --wait=false >/dev/null 2>&1; then
    echo "deleted this machine's Node $node_name: it registers again when it joins"
  else
    echo "could not delete Node $node_name; kubeadm join refuses it while it is Ready"
  fi
}`);

/**
 * Bash function `reset_for_retry LOG`: takes a node whose kubeadm step failed or was interrupted back to a clean
 * machine, safely: its stacked etcd member leaves the cluster first (or nothing is reset: status 1, with what to do),
 * a joining machine's Node object is deleted, `kubeadm reset --force` runs, and the placed files it deleted come back.
 */
export const RESET_FOR_RETRY = String.raw`reset_for_retry() {
  if ! local_etcd_member_removed; then
    echo "not resetting $node_name: kubeadm reset would delete its etcd data and leave its member in the cluster."
    echo "Make etcd healthy, remove this machine's member (etcdctl member remove), run kubeadm reset --force on $node_name, then pulumi up again."
    return 1
  fi
  forget_this_node
  echo "resetting $node_name so that the step starts cleanly (the placed CAs and configuration are restored)"
  kubeadm reset --force >>"$1" 2>&1 || echo "kubeadm reset reported an error (see $1 on $node_name)"
  restore_placed_files
  rm -f "$DONE_MARKER"
}`;

/**
 * Bash functions `api_get ARGS...` (kubectl with the first control plane's credentials, against this machine's API
 * server, then the kubeconfig's endpoint) and `init_outcome`, for an init that left kubeadm's state (admin.conf)
 * without a completion record: an init stopped half-way (power-off) or one an earlier version of this library
 * completed. Prints why and returns 0 when init completed (the cluster has other nodes, or kubeadm's last phase made
 * kube-proxy and CoreDNS), 1 when it did not and this node is alone (safe to reset: nothing but a half-made cluster
 * is lost), 2 when it cannot tell (the API did not answer within `API_WAIT_SECONDS`, or etcd disagrees with it).
 * super-admin.conf is used when present: an init stopped before its upload-config phase has not yet bound admin.conf's
 * group to cluster-admin.
 */
export const INIT_OUTCOME = bashBraces(String.raw`api_get() {
  local kubeconfig="$ADMIN_CONF"
  [ -f "$SUPER_ADMIN_CONF" ] && kubeconfig="$SUPER_ADMIN_CONF"
  if [ -n "$advertise_address" ] &&
    kubectl --kubeconfig "$kubeconfig" --request-timeout=5s --server="https://$(url_host "$advertise_address"):$bind_port" "$@" 2>/dev/null; then
    return 0
  fi
  kubectl --kubeconfig "$kubeconfig" --request-timeout=5s "$@" 2>/dev/null
}

init_outcome() {
  local deadline nodes others addons members began="$SECONDS"
  if [ ! -f "$KUBELET_CONFIG" ] && [ ! -d "$ETCD_DATA_DIR/member" ]; then
    echo "it stopped before its kubelet-start phase: no control-plane component ever ran here"
    return 1
  fi
  deadline=$((SECONDS + API_WAIT_SECONDS))
  while :; do
    if nodes="$(api_get get nodes -o name)"; then
      others="$(printf '%s\n' "$nodes" | sed -n 's|^node/||p' | grep -vxF "$node_name" | paste -sd ' ' || true)"
      if [ -n "$others" ]; then
        echo "the cluster has other nodes ($others)"
        return 0
      fi
      if addons="$(api_get -n kube-system get daemonset/kube-proxy deployment/coredns --ignore-not-found -o name)"; then
        if [ "$(printf '%s\n' "$addons" | grep -c .)" -ge 2 ]; then
          echo "kube-proxy and CoreDNS exist (kubeadm's last phase ran)"
          return 0
        fi
        if [ -f "$ETCD_MANIFEST" ] && [ -n "$client_url" ] &&
          members="$(etcdctl_at "$client_url" member list -w simple 2>/dev/null | grep -c .)" && [ "$members" -gt 1 ]; then
          echo "it is the only node and kube-proxy or CoreDNS is missing, yet its etcd has $members members"
          return 2
        fi
        echo "it is the cluster's only node and kubeadm's last phase (kube-proxy, CoreDNS) never ran (its API answered after $((SECONDS - began)) s)"
        return 1
      fi
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 3
  done
  echo "its control plane did not answer within $API_WAIT_SECONDS s, although kubeadm started it (after a reboot the kubelet restarts it)"
  return 2
}`);

/**
 * Bash functions `join_state_present` (kubeadm join left files: admin.conf or kubelet.conf, the kubelet
 * configuration, the kube-apiserver or etcd manifest; leftover certificates alone are harmless, kubeadm reuses them)
 * and `join_completed_before`, for a join without a completion record and without a start record, i.e. one an
 * earlier version of this library ran: prints why and returns 0 when it completed (this node is registered and, with
 * stacked etcd, its member is a started voter), 1 when it did not, 2 when it cannot tell within `API_WAIT_SECONDS`.
 */
export const JOIN_OUTCOME = bashBraces(String.raw`join_state_present() {
  [ -f "$ADMIN_CONF" ] || [ -f "$KUBELET_CONF" ] || [ -f "$KUBELET_CONFIG" ] || [ -f "$APISERVER_MANIFEST" ] || [ -f "$ETCD_MANIFEST" ]
}

join_completed_before() {
  local kubeconfig="$ADMIN_CONF" deadline node members line endpoints
  if [ ! -f "$KUBELET_CONF" ] || [ ! -f "$APISERVER_MANIFEST" ]; then
    echo "kubelet.conf or the kube-apiserver manifest is missing"
    return 1
  fi
  [ -f "$kubeconfig" ] || kubeconfig="$KUBELET_CONF"
  if [ -f "$ETCD_CA_KEY" ] && [ ! -f "$ETCD_MANIFEST" ]; then
    echo "it has no stacked etcd member (no etcd manifest)"
    return 1
  fi
  endpoints="$(sed -n 's/^ *- --initial-cluster=//p' "$ETCD_MANIFEST" 2>/dev/null | head -n 1 | tr ',' '\n' | cut -d= -f2- | sed 's/:2380$/:2379/' | paste -sd, || true)"
  deadline=$((SECONDS + API_WAIT_SECONDS))
  while :; do
    if node="$(kubectl --kubeconfig "$kubeconfig" --request-timeout=5s get node "$node_name" --ignore-not-found -o name 2>/dev/null)"; then
      if [ -z "$node" ]; then
        echo "Node $node_name is not registered"
        return 1
      fi
      if [ ! -f "$ETCD_MANIFEST" ]; then
        echo "Node $node_name is registered (external etcd)"
        return 0
      fi
      if [ -n "$endpoints" ] && members="$(etcdctl_at "$endpoints" --command-timeout=5s member list -w simple 2>/dev/null)"; then
        line="$(this_member "$members")"
        if printf '%s\n' "$line" | awk -F', ' -v n="$node_name" '$2 == "started" && $3 == n && $NF == "false" {found = 1} END {exit !found}'; then
          echo "Node $node_name is registered and its etcd member is a started voter"
          return 0
        fi
        echo "Node $node_name is registered but its etcd member is not a started voter (@{line:-none})"
        return 1
      fi
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 3
  done
  echo "neither the API nor etcd ($endpoints) answered within $API_WAIT_SECONDS s"
  return 2
}`);

/** Every bash function the kubeadm steps use to record, judge and recover a step, defined once at the top. */
export function kubeadmRecoveryFunctions(): string {
  return [ETCDCTL_AT, RESTORE_PLACED_FILES, NODE_IDENTITY, RECORD_STEP, ETCD_MEMBER_LOOKUP, LOCAL_ETCD_MEMBER_REMOVED, FORGET_THIS_NODE, RESET_FOR_RETRY].join("\n\n");
}
