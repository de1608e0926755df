import { paths } from "../paths";
import { ENSURE_JOIN_TOKEN, REFRESH_BOOTSTRAP_TOKEN, TOKEN_FAILURE_HINT } from "./bootstrapToken";
import { kubeadmRecoveryParameters, LOCAL_ETCD_MEMBER_REMOVED, RESTORE_PLACED_FILES } from "./kubeadmRecovery";
import { bashScript } from "./shell";

/** Options shared by the kubeadm steps. */
export interface KubeadmStepOptions {
  /** Extra preflight errors kubeadm should ignore (e.g. `NumCPU` on small machines). @default [] */
  ignorePreflightErrors?: string[];
}

const REDACT_TOKENS = String.raw`sed -E 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted-token>/g; s/[a-f0-9]{64}/<redacted-key>/g'`;

/**
 * Runs kubeadm with the placed configuration, its output kept in a root-only log (it prints the bootstrap token);
 * prints a redacted tail of that log on failure, then resets the half-initialised node so that a re-run starts
 * cleanly, and exits 1. The reset is made safe to retry: the placed files it deletes (the program's CAs, kubeadm's
 * configuration) are restored from their pristine copy, and a stacked etcd member that joined the cluster is
 * removed from it first; when that is impossible the node is left as it is (see `local_etcd_member_removed`).
 * Needs the step's {@link kubeadmRecoveryParameters} and the functions of {@link recoveryFunctions}.
 */
function runKubeadm(step: "init" | "join", options: KubeadmStepOptions): string {
  const ignore = (options.ignorePreflightErrors ?? []).join(",");
  const ignoreFlag = ignore ? ` --ignore-preflight-errors=${ignore}` : "";
  const hint = step === "join" ? `\n${TOKEN_FAILURE_HINT}` : "";
  return `
mkdir -p "$LOG_DIR"
chmod 700 "$LOG_DIR"
log="$LOG_DIR/kubeadm-${step}.log"
if ! kubeadm ${step} --config "$CONFIG_FILE"${ignoreFlag} >"$log" 2>&1; then
  echo "kubeadm ${step} failed on $(hostname); last lines of $log (tokens redacted):" >&2
  tail -n 40 "$log" | ${REDACT_TOKENS} >&2${hint}
  if local_etcd_member_removed >&2; then
    echo "resetting this node so that a re-run starts cleanly (the placed CAs and configuration are restored)" >&2
    kubeadm reset --force >>"$log" 2>&1 || true
    restore_placed_files >&2
  else
    echo "not resetting $(hostname): kubeadm reset would delete its etcd data and leave its member in the cluster." >&2
    echo "Make etcd healthy, remove this machine's member (etcdctl member remove), run kubeadm reset --force here, then pulumi up again." >&2
  fi
  exit 1
fi
echo "kubeadm ${step} done on $(hostname)"`;
}

/** The bash functions {@link runKubeadm} needs, defined once at the top of a kubeadm step. */
function recoveryFunctions(): string {
  return `${RESTORE_PLACED_FILES}\n\n${LOCAL_ETCD_MEMBER_REMOVED}`;
}

/** Options of {@link kubeadmInitScript}. */
export interface KubeadmInitStepOptions extends KubeadmStepOptions {
  /**
   * `https://<endpoint>:<port>/healthz`. If it already answers `ok` with this cluster's CA, the cluster exists
   * (this machine replaced the first control plane) and init is refused instead of creating a second cluster.
   */
  existingClusterUrl: string;
}

/**
 * `kubeadm init` on the first control plane, from the placed configuration. Skipped when the node is already
 * initialised (`admin.conf` exists), so re-runs never re-initialise; refused when the endpoint already serves
 * this cluster (a replaced first machine must not start a second cluster beside the first). Placed files an earlier
 * reset removed are restored first; a failed init resets the node and restores them again (see `runKubeadm`).
 */
export function kubeadmInitScript(options: KubeadmInitStepOptions): string {
  return bashScript(
    "kubeadm init on the first control plane (skipped when already initialised)",
    {
      ADMIN_CONF: paths.adminKubeconfig,
      LOG_DIR: paths.logDir,
      EXISTING_CLUSTER_URL: options.existingClusterUrl,
      CLUSTER_CA: `${paths.kubernetesPki}/ca.crt`,
      CONFIG_FILE: paths.kubeadmInitConfig,
      ...kubeadmRecoveryParameters(),
    },
    `
${recoveryFunctions()}

if [ -f "$ADMIN_CONF" ]; then
  echo "$(hostname) already initialised: $ADMIN_CONF exists"
  exit 0
fi
restore_placed_files
if [ "$(curl -sS --max-time 5 --cacert "$CLUSTER_CA" "$EXISTING_CLUSTER_URL" 2>/dev/null || true)" = "ok" ]; then
  echo "refusing kubeadm init on $(hostname): $EXISTING_CLUSTER_URL already serves this cluster." >&2
  echo "This machine replaced the first control plane; remove its old etcd member and join it instead." >&2
  exit 1
fi
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
${runKubeadm("init", options)}
`,
  );
}

/**
 * `kubeadm join --control-plane` (the JoinConfiguration has a controlPlane section). Skipped when this node
 * already runs a control plane (kubelet.conf and the kube-apiserver manifest exist).
 *
 * Bootstrap tokens expire 24 hours after they were made or refreshed, and a join may run much later than the
 * token-refresh step (a join that failed and is retried by a later `pulumi up`, where the refresh step, already
 * done, does not run again). So the join first makes its token valid itself (`ensure_join_token`, with the cluster
 * CA the program placed on this machine); when discovery still fails on the token, it says so.
 */
export function kubeadmJoinScript(options: KubeadmStepOptions = {}): string {
  return bashScript(
    "kubeadm join --control-plane (skipped when already joined)",
    {
      KUBELET_CONF: paths.kubeletKubeconfig,
      APISERVER_MANIFEST: paths.apiServerManifest,
      LOG_DIR: paths.logDir,
      CONFIG_FILE: paths.kubeadmJoinConfig,
      CA_CERT: `${paths.kubernetesPki}/ca.crt`,
      CA_KEY: `${paths.kubernetesPki}/ca.key`,
      ...kubeadmRecoveryParameters(),
    },
    `
${REFRESH_BOOTSTRAP_TOKEN}

${ENSURE_JOIN_TOKEN}

${recoveryFunctions()}

if [ -f "$KUBELET_CONF" ] && [ -f "$APISERVER_MANIFEST" ]; then
  echo "$(hostname) already joined: $KUBELET_CONF and $APISERVER_MANIFEST exist"
  exit 0
fi
restore_placed_files
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
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
    { LOG_DIR: paths.logDir },
    `
if ! command -v kubeadm >/dev/null 2>&1; then
  echo "kubeadm not installed: nothing to reset"
  exit 0
fi
mkdir -p "$LOG_DIR"
kubeadm reset --force >"$LOG_DIR/kubeadm-reset.log" 2>&1
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
