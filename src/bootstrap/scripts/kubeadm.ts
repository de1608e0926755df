import { paths } from "../paths";
import { ENSURE_JOIN_TOKEN, REFRESH_BOOTSTRAP_TOKEN, TOKEN_FAILURE_HINT } from "./bootstrapToken";
import { REMOVE_STALE_PEERS, staleMemberParameters } from "./joinHygiene";
import { INIT_OUTCOME, JOIN_OUTCOME, kubeadmRecoveryFunctions, kubeadmRecoveryParameters } from "./kubeadmRecovery";
import { bashScript } from "./shell";

/** Options shared by the kubeadm steps. */
export interface KubeadmStepOptions {
  /** Extra preflight errors kubeadm should ignore (e.g. `NumCPU` on small machines). @default [] */
  ignorePreflightErrors?: string[];
}

/** Options of {@link kubeadmJoinScript}. */
export interface KubeadmJoinStepOptions extends KubeadmStepOptions {
  /**
   * Addresses of every planned control plane: etcd members and a Node of this name that belong to none of them (a
   * replaced machine's, an interrupted join's) are removed before the join (`remove_stale_peers`). @default []
   */
  plannedAddresses?: string[];
  /**
   * Stacked etcd with scheduled snapshots (`etcdBackup`): the snapshots directory. Before this machine's member is
   * added, an etcd snapshot is saved there from the first planned member that answers (`pre-join-<node>-<time>.db`);
   * the join does not run when none could be taken. @default "" (no snapshot)
   */
  preJoinSnapshotDirectory?: string;
}

const REDACT_TOKENS = String.raw`sed -E 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted-token>/g; s/[a-f0-9]{64}/<redacted-key>/g'`;

/**
 * Runs kubeadm with the placed configuration, its output kept in a root-only log (it prints the bootstrap token).
 * A start record is written (and synced) first and the completion record only after kubeadm succeeded: a machine
 * that loses power half-way never reaches the failure path below, and the next run knows from the records that the
 * step was interrupted. On failure it prints a redacted tail of the log, then resets the half-initialised node so
 * that a re-run starts cleanly (`reset_for_retry`: the placed files come back, a stacked etcd member leaves the
 * cluster first, or nothing is reset when that is impossible), and exits 1.
 */
function runKubeadm(step: "init" | "join", options: KubeadmStepOptions): string {
  const ignore = (options.ignorePreflightErrors ?? []).join(",");
  const ignoreFlag = ignore ? ` --ignore-preflight-errors=${ignore}` : "";
  const hint = step === "join" ? `\n${TOKEN_FAILURE_HINT}` : "";
  return `
record_step "$STARTED_MARKER" "kubeadm ${step} started on $node_name"
if ! kubeadm ${step} --config "$CONFIG_FILE"${ignoreFlag} >"$log" 2>&1; then
  echo "kubeadm ${step} failed on $node_name; last lines of $log (tokens redacted):" >&2
  tail -n 40 "$log" | ${REDACT_TOKENS} >&2${hint}
  reset_for_retry "$log" >&2 || true
  exit 1
fi
record_step "$DONE_MARKER" "kubeadm ${step} completed on $node_name ($(kubeadm version -o short 2>/dev/null || echo 'version unknown'))"
rm -f "$STARTED_MARKER"
echo "kubeadm ${step} done on $node_name"`;
}

/** The start of every kubeadm step: its functions, this machine's identity, the root-only log. */
function stepPrologue(step: "init" | "join"): string {
  return `
${kubeadmRecoveryFunctions()}

read_node_identity
mkdir -p "$LOG_DIR"
chmod 700 "$LOG_DIR"
log="$LOG_DIR/kubeadm-${step}.log"`;
}

/** Options of {@link kubeadmInitScript}. */
export interface KubeadmInitStepOptions extends KubeadmStepOptions {
  /**
   * `https://<endpoint>:<port>/healthz`. If it already answers `ok` with this cluster's CA, the cluster exists
   * (this machine replaced the first control plane) and init is refused instead of creating a second cluster.
   */
  existingClusterUrl: string;
  /**
   * `https://<address>:<port>/healthz` of the other planned control planes. When the endpoint or any of them serves
   * this cluster, the cluster exists (this machine replaced the first control plane) and `joinScript` runs instead.
   * @default []
   */
  peerApiUrls?: string[];
  /**
   * The join step's script ({@link kubeadmJoinScript}, with this machine's join configuration placed too): run
   * instead of `kubeadm init` when the cluster exists, and on every later run once this machine took that path.
   * `""` refuses init there instead. @default ""
   */
  joinScript?: string;
}

/**
 * `kubeadm init` on the first control plane, from the placed configuration.
 *
 * Skipped when the completion record says init succeeded here. kubeadm writes admin.conf in its kubeconfig phase,
 * long before it is done, so admin.conf without the record means an init that was stopped half-way (the machine lost
 * power) or one an earlier version of this library completed (it kept no record). `init_outcome` tells them apart
 * through the API: other nodes, or kube-proxy and CoreDNS (kubeadm's last phase), mean it completed (the record is
 * written now); a node alone without them is a half-made cluster, reset safely and initialised again; an API that
 * does not answer within a bounded wait although the control plane was started is refused with the manual fix,
 * never reset (it may hold the cluster's data).
 *
 * Refused when the endpoint already serves this cluster (a replaced first machine must not start a second cluster
 * beside the first). Placed files an earlier reset removed are restored first; a failed init resets the node and
 * restores them again (see `runKubeadm`).
 */
export function kubeadmInitScript(options: KubeadmInitStepOptions): string {
  return bashScript(
    "kubeadm init on the first control plane (skipped when it completed; an interrupted init is recovered)",
    {
      LOG_DIR: paths.logDir,
      EXISTING_CLUSTER_URL: options.existingClusterUrl,
      PEER_API_URLS: (options.peerApiUrls ?? []).join(" "),
      JOIN_SCRIPT_B64: Buffer.from(options.joinScript ?? "", "utf8").toString("base64"),
      JOIN_DONE: paths.kubeadmJoinDone,
      JOIN_STARTED: paths.kubeadmJoinStarted,
      CLUSTER_CA: `${paths.kubernetesPki}/ca.crt`,
      CONFIG_FILE: paths.kubeadmInitConfig,
      ...kubeadmRecoveryParameters("init"),
    },
    `
${INIT_OUTCOME}
${stepPrologue("init")}

# Which API server already serves this cluster (checked with its CA): the endpoint, or another planned control plane.
serving_url() {
  local url
  for url in "$EXISTING_CLUSTER_URL" $PEER_API_URLS; do
    if [ "$(curl -sS --max-time 5 --cacert "$CLUSTER_CA" "$url" 2>/dev/null || true)" = "ok" ]; then
      printf '%s' "$url"
      return 0
    fi
  done
  return 1
}

if [ -f "$DONE_MARKER" ] && [ -f "$ADMIN_CONF" ]; then
  echo "$node_name already initialised: $(cat "$DONE_MARKER")"
  exit 0
fi
# init or join is decided here, from the cluster, not from this machine's place in the plan: a machine that replaced
# the first control plane joins the cluster that exists (and keeps joining on later runs).
nobody_serves=false
if [ -n "$JOIN_SCRIPT_B64" ] && [ ! -f "$DONE_MARKER" ]; then
  joining=""
  if [ -f "$JOIN_DONE" ] || [ -f "$JOIN_STARTED" ]; then
    joining="it took the join path before"
  elif [ ! -f "$ADMIN_CONF" ]; then
    restore_placed_files >/dev/null
    if url="$(serving_url)"; then joining="$url already serves this cluster"; else nobody_serves=true; fi
  fi
  if [ -n "$joining" ]; then
    echo "$node_name joins the cluster instead of initialising one: $joining"
    exec bash -c "$(printf '%s' "$JOIN_SCRIPT_B64" | base64 -d)"
  fi
fi
if [ -f "$DONE_MARKER" ]; then
  echo "$DONE_MARKER exists but $ADMIN_CONF does not (reset by hand?): initialising again"
  rm -f "$DONE_MARKER"
fi
if [ -f "$ADMIN_CONF" ]; then
  status=0
  why="$(init_outcome)" || status=$?
  case "$status" in
    0)
      record_step "$DONE_MARKER" "kubeadm init found complete on $node_name: $why"
      echo "$node_name already initialised (no completion record, recorded now): $why"
      exit 0
      ;;
    1)
      echo "kubeadm init on $node_name did not complete (interrupted: $ADMIN_CONF but no completion record): $why"
      reset_for_retry "$log" || exit 1
      ;;
    *)
      echo "refusing to go on with kubeadm init on $node_name: it began here ($ADMIN_CONF exists) and did not record completion, and $why." >&2
      echo "It may hold the cluster's data, so it is not reset. Make its control plane run (journalctl -u kubelet, crictl ps -a on $node_name) and run pulumi up again;" >&2
      echo "only if the cluster holds nothing you need: run kubeadm reset --force on $node_name, then pulumi up again (the placed CAs and configuration are restored)." >&2
      exit 1
      ;;
  esac
fi
restore_placed_files
if [ "$nobody_serves" = false ] && url="$(serving_url)"; then
  echo "refusing kubeadm init on $node_name: $url already serves this cluster (a second cluster would split it)." >&2
  exit 1
fi
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
${runKubeadm("init", options)}
`,
  );
}

/**
 * `kubeadm join --control-plane` (the JoinConfiguration has a controlPlane section).
 *
 * Skipped when the completion record says the join succeeded here (and kubelet.conf and the kube-apiserver manifest
 * are there). kubeadm writes both before its etcd phase, so without the record a join with kubeadm's state left is
 * one stopped half-way, or (no start record either) one an earlier version of this library ran, taken as complete when
 * this node is registered and its etcd member is a started voter. Otherwise the half-done join is undone before it
 * runs again (`reset_for_retry`): this machine's etcd member (a learner the interrupted join left, found by name or
 * peer URL) leaves the cluster through the other members, its Node object is deleted, and kubeadm reset runs; no stale
 * learner stays behind to block the gates.
 *
 * Bootstrap tokens expire 24 hours after they were made or refreshed, and a join may run much later than the
 * token-refresh step (a join that failed and is retried by a later `pulumi up`, where the refresh step, already
 * done, does not run again). So the join first makes its token valid itself (`ensure_join_token`, with the cluster
 * CA the program placed on this machine); when discovery still fails on the token, it says so.
 */
export function kubeadmJoinScript(options: KubeadmJoinStepOptions = {}): string {
  return bashScript(
    "kubeadm join --control-plane (skipped when it completed; an interrupted join is undone and run again)",
    {
      LOG_DIR: paths.logDir,
      CONFIG_FILE: paths.kubeadmJoinConfig,
      CA_CERT: `${paths.kubernetesPki}/ca.crt`,
      CA_KEY: `${paths.kubernetesPki}/ca.key`,
      ...kubeadmRecoveryParameters("join"),
      ...staleMemberParameters(options.plannedAddresses ?? [], options.preJoinSnapshotDirectory),
    },
    `
${REFRESH_BOOTSTRAP_TOKEN}

${ENSURE_JOIN_TOKEN}

${REMOVE_STALE_PEERS}

${JOIN_OUTCOME}
${stepPrologue("join")}

if [ -f "$DONE_MARKER" ] && [ -f "$KUBELET_CONF" ] && [ -f "$APISERVER_MANIFEST" ]; then
  echo "$node_name already joined: $(cat "$DONE_MARKER")"
  exit 0
fi
if [ -f "$DONE_MARKER" ]; then
  echo "$DONE_MARKER exists but $KUBELET_CONF or $APISERVER_MANIFEST does not (reset by hand?): joining again"
  rm -f "$DONE_MARKER"
fi
if join_state_present; then
  restore_placed_files
  if [ -f "$STARTED_MARKER" ]; then
    echo "kubeadm join on $node_name did not complete: it started ($(cat "$STARTED_MARKER")) and never finished, e.g. the machine lost power"
  else
    status=0
    why="$(join_completed_before)" || status=$?
    case "$status" in
      0)
        record_step "$DONE_MARKER" "kubeadm join found complete on $node_name: $why"
        echo "$node_name already joined (no completion record, recorded now): $why"
        exit 0
        ;;
      1)
        echo "kubeadm join on $node_name did not complete: $why"
        ;;
      *)
        echo "cannot tell whether kubeadm join on $node_name completed: $why." >&2
        echo "Make the cluster's API and etcd reachable from $node_name and run pulumi up again; to join it afresh instead, remove its etcd member (etcdctl member remove), run kubeadm reset --force on $node_name, then pulumi up again." >&2
        exit 1
        ;;
    esac
  fi
  reset_for_retry "$log" || exit 1
fi
restore_placed_files
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
remove_stale_peers
ensure_join_token
${runKubeadm("join", options)}
`,
  );
}

/**
 * Removes this node from the cluster with `kubeadm reset` (for stacked etcd this also removes its etcd
 * member). Only used as a delete step when the user opted in: it is destructive by design.
 */
export function kubeadmResetScript(): string {
  return bashScript(
    "kubeadm reset (explicit node removal)",
    {
      LOG_DIR: paths.logDir,
      INIT_DONE: paths.kubeadmInitDone,
      INIT_STARTED: paths.kubeadmInitStarted,
      JOIN_DONE: paths.kubeadmJoinDone,
      JOIN_STARTED: paths.kubeadmJoinStarted,
    },
    `
if ! command -v kubeadm >/dev/null 2>&1; then
  echo "kubeadm not installed: nothing to reset"
  exit 0
fi
mkdir -p "$LOG_DIR"
kubeadm reset --force >"$LOG_DIR/kubeadm-reset.log" 2>&1
rm -f "$INIT_DONE" "$INIT_STARTED" "$JOIN_DONE" "$JOIN_STARTED"
echo "$(hostname) reset"
`,
  );
}

/** Options of {@link cniInstallScript}. */
export interface CniInstallOptions {
  /** URL of the CNI manifest to apply. */
  manifestUrl: string;
  /** How long to wait for the API server before applying, in seconds. */
  timeoutSeconds: number;
}

/** Applies the CNI manifest with the admin kubeconfig (`kubectl apply` is idempotent). */
export function cniInstallScript(options: CniInstallOptions): string {
  return bashScript(
    "install the CNI (kubectl apply, idempotent)",
    { MANIFEST_URL: options.manifestUrl, KUBECONFIG_FILE: paths.adminKubeconfig, TIMEOUT_SECONDS: options.timeoutSeconds },
    `
deadline=$((SECONDS + TIMEOUT_SECONDS))
until kubectl --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "API server not ready after $TIMEOUT_SECONDS seconds; CNI not applied" >&2
    exit 1
  fi
  sleep 2
done
kubectl --kubeconfig "$KUBECONFIG_FILE" apply --server-side --force-conflicts -f "$MANIFEST_URL"
`,
  );
}

/** Prints the admin kubeconfig (the command's stdout is marked secret and not logged). */
export function fetchKubeconfigScript(): string {
  return bashScript(
    "print the admin kubeconfig",
    { ADMIN_CONF: paths.adminKubeconfig },
    `
[ -f "$ADMIN_CONF" ] || { echo "$ADMIN_CONF missing: kubeadm init has not run" >&2; exit 1; }
cat "$ADMIN_CONF"
`,
  );
}
