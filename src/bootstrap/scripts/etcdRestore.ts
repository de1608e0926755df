import { STACKED_ETCD_DATA_DIR } from "../kubeadmConfig";
import { paths } from "../paths";
import { bashBraces, bashScript } from "./shell";

/**
 * Files of a restore on each machine. Everything is keyed by the snapshot's sha256, so that a restore from one
 * snapshot runs once: a step that finds its record does nothing.
 */
export const etcdRestorePaths = {
  /** Where the program copies the snapshot (owned by the SSH user, mode 0700; made by the inbox step). */
  inboxDir: "/var/lib/pulumi-k8s-ha/restore-inbox",
  /** Root-only: the verified snapshot, held static pod manifests, the records of the steps done. */
  stateDir: "/var/lib/pulumi-k8s-ha/etcd-restore",
  /** kubelet's static pod directory (kubeadm's). */
  manifestsDir: "/etc/kubernetes/manifests",
  containerdSocket: "unix:///run/containerd/containerd.sock",
} as const;

/** The snapshot file in the inbox, as the program copies it. */
export function restoreInboxFile(sha256: string): string {
  return `${etcdRestorePaths.inboxDir}/${sha256}.db`;
}

/** New `initial-cluster-token` of a cluster restored from a snapshot: derived from the snapshot, so every member agrees. */
export function restoredClusterToken(clusterName: string, sha256: string): string {
  return `${clusterName}-restore-${sha256.slice(0, 12)}`;
}

const SHA256 = /^[0-9a-f]{64}$/;
function requireSha(sha256: string): void {
  if (!SHA256.test(sha256)) throw new Error(`etcd restore: ${JSON.stringify(sha256)} is not a sha256 (64 lowercase hex digits)`);
}

/** Shared functions: the record of a step done for this snapshot, and bounded waits. */
const COMMON = bashBraces(String.raw`
umask 077
mkdir -p "$STATE_DIR"
chmod 0700 "$STATE_DIR"
record="$STATE_DIR/$SHA256.$STEP.done"
if [ -f "$record" ]; then
  echo "etcd restore from $SHA256: step $STEP already done on $(hostname) at $(cat "$record"); nothing to do" >&2
  exit 0
fi
mark_done() { date -u +%Y-%m-%dT%H:%M:%SZ > "$record"; sync; }
crictl_running() { crictl -r "$CONTAINERD_SOCKET" ps -q --state running --name "^$1\$" 2>/dev/null | grep -c . || true; }
port_open() { timeout 1 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# wait_gone WHAT CONTAINER PORT SECONDS: until no running container of that name and nothing listens on the port.
# kubelet stops a static pod whose manifest went away; one that cannot reach the API after a reboot (quorum lost) can
# hold it indefinitely (its volume reconstruction waits for the API), so after half the bound the container is stopped
# with crictl (kubelet does not start it again: the manifest is gone).
wait_gone() {
  local deadline=$((SECONDS + $4)) nudge=$((SECONDS + $4 / 2)) id
  while [ "$(crictl_running "$2")" -gt 0 ] || port_open "$3"; do
    if [ "$SECONDS" -ge "$nudge" ] && [ "$(crictl_running "$2")" -gt 0 ]; then
      for id in $(crictl -r "$CONTAINERD_SOCKET" ps -q --state running --name "^$2\$" 2>/dev/null); do
        crictl -r "$CONTAINERD_SOCKET" stop --timeout 30 "$id" >/dev/null 2>&1 || true
      done
      echo "kubelet had not stopped $1 on $(hostname) $(($4 / 2)) s after its manifest was moved away: its container was stopped with crictl"
      nudge=$((deadline + 1))
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$1 still runs on $(hostname) $4 s after its manifest was moved away" >&2
      exit 1
    fi
    sleep 1
  done
}
# hold NAME / release NAME: move a static pod manifest out of kubelet's directory and back.
hold() {
  mkdir -p "$STATE_DIR/held"
  if [ -f "$MANIFESTS_DIR/$1.yaml" ]; then mv -f "$MANIFESTS_DIR/$1.yaml" "$STATE_DIR/held/$1.yaml"; fi
  if [ ! -f "$STATE_DIR/held/$1.yaml" ]; then
    echo "no static pod manifest $1.yaml on $(hostname) (neither in $MANIFESTS_DIR nor held)" >&2
    exit 1
  fi
}
release() {
  if [ -f "$STATE_DIR/held/$1.yaml" ]; then mv -f "$STATE_DIR/held/$1.yaml" "$MANIFESTS_DIR/$1.yaml"; fi
}
`);

/** Options of {@link etcdRestoreVerifyScript}. */
export interface EtcdRestoreVerifyOptions {
  /** sha256 the snapshot file must have (the confirmation the user gave). */
  sha256: string;
  /**
   * The member runs etcd as the library's systemd unit (external tier): refuse a machine without systemd or without
   * the unit here, before anything is stopped (the later steps stop and start that unit). @default false
   */
  requireEtcdUnit?: boolean;
}

/**
 * Restore step 1, on every etcd member, before anything is stopped: the snapshot the program copied into the inbox
 * must have the confirmed sha256, `etcdutl snapshot status` must read it, and a trial `etcdutl snapshot restore`
 * into a scratch directory must pass etcd's own integrity check (the hash `etcdctl snapshot save` appends; status
 * alone does not check it). Then the file moves to the root-only restore directory. A snapshot that fails any check
 * is refused here: nothing has been stopped. Prints `{"revision":..,"totalKeys":..,"sha256":..}`.
 */
export function etcdRestoreVerifyScript(options: EtcdRestoreVerifyOptions): string {
  requireSha(options.sha256);
  return bashScript(
    "etcd restore: verify the snapshot (sha256, etcdutl status, trial restore) before anything is stopped",
    {
      SHA256: options.sha256,
      STEP: "verify",
      REQUIRE_ETCD_UNIT: options.requireEtcdUnit ?? false,
      ETCD_UNIT_FILE: paths.etcdUnitFile,
      INBOX_FILE: restoreInboxFile(options.sha256),
      STATE_DIR: etcdRestorePaths.stateDir,
      MANIFESTS_DIR: etcdRestorePaths.manifestsDir,
      CONTAINERD_SOCKET: etcdRestorePaths.containerdSocket,
      ETCDUTL: paths.etcdutlBinary,
    },
    COMMON + VERIFY_BODY,
  );
}

const VERIFY_BODY = bashBraces(String.raw`
staged="$STATE_DIR/$SHA256.db"
refuse() {
  echo "etcd restore refused on $(hostname): $1. Nothing was stopped." >&2
  exit 1
}
if [ "$REQUIRE_ETCD_UNIT" = true ] && { [ ! -d /run/systemd/system ] || [ ! -f "$ETCD_UNIT_FILE" ]; }; then
  refuse "etcd does not run as the unit $ETCD_UNIT_FILE under systemd here; restore this member by hand"
fi
source="$INBOX_FILE"
[ -f "$source" ] || source="$staged"
[ -f "$source" ] || refuse "the snapshot was not copied to $INBOX_FILE"
actual="$(sha256sum "$source" | cut -d' ' -f1)"
[ "$actual" = "$SHA256" ] || refuse "the snapshot's sha256 is $actual, not the confirmed $SHA256 (wrong or damaged file)"
# first_error TEXT: the line that says what went wrong (etcdutl may panic with a long trace on a damaged file).
first_error() { printf '%s\n' "$1" | grep -m 1 -iE 'error|panic' || printf '%s\n' "$1" | tail -n 1; }
status="$("$ETCDUTL" snapshot status "$source" -w json 2>&1)" || refuse "etcdutl cannot read the snapshot: $(first_error "$status")"
trial="$(mktemp -d "$STATE_DIR/trial.XXXXXX")"
if ! out="$("$ETCDUTL" snapshot restore "$source" --data-dir "$trial/data" 2>&1)"; then
  rm -rf "$trial"
  refuse "the snapshot fails etcd's integrity check: $(first_error "$out")"
fi
rm -rf "$trial"
if [ "$source" != "$staged" ]; then mv -f "$source" "$staged"; fi
chmod 0600 "$staged"
printf '%s' "$status" | jq -c --arg sha256 "$SHA256" '{revision: .revision, totalKeys: .totalKey, sha256: $sha256}'
`);

/** What a stop step stops. */
export type EtcdRestoreStopTarget = "kube-apiserver" | "stacked-etcd" | "etcd-unit";

/** Options of {@link etcdRestoreStopScript}. */
export interface EtcdRestoreStopOptions {
  sha256: string;
  /** `kube-apiserver` (a control plane's static pod), `stacked-etcd` (kubeadm's etcd static pod) or `etcd-unit` (the external tier's systemd unit). */
  target: EtcdRestoreStopTarget;
  /** Bound on waiting for the process to end, in seconds. */
  timeoutSeconds: number;
}

/**
 * Restore steps 2 and 3: stop kube-apiserver (on every control plane, first) or etcd (on every member, once no API
 * server runs). Static pods are stopped by moving their manifest out of kubelet's directory into the restore
 * directory (the start steps put it back); the step waits until the container is gone and the port is closed.
 */
export function etcdRestoreStopScript(options: EtcdRestoreStopOptions): string {
  requireSha(options.sha256);
  const what = { "kube-apiserver": ["kube-apiserver", 6443], "stacked-etcd": ["etcd", 2379], "etcd-unit": ["etcd", 2379] } as const;
  const [name, port] = what[options.target];
  return bashScript(
    `etcd restore: stop ${options.target}`,
    {
      SHA256: options.sha256,
      STEP: `stop-${options.target}`,
      TARGET: options.target,
      NAME: name,
      PORT: port,
      TIMEOUT_SECONDS: options.timeoutSeconds,
      ETCD_UNIT: paths.etcdUnitName,
      STATE_DIR: etcdRestorePaths.stateDir,
      MANIFESTS_DIR: etcdRestorePaths.manifestsDir,
      CONTAINERD_SOCKET: etcdRestorePaths.containerdSocket,
    },
    COMMON + STOP_BODY,
  );
}

const STOP_BODY = bashBraces(String.raw`
if [ "$TARGET" = etcd-unit ]; then
  systemctl stop "$ETCD_UNIT"
else
  hold "$NAME"
  wait_gone "$NAME" "$NAME" "$PORT" "$TIMEOUT_SECONDS"
fi
mark_done
echo "$NAME stopped on $(hostname)" >&2
`);

/** Options of {@link etcdRestoreDataScript}. */
export interface EtcdRestoreDataOptions {
  sha256: string;
  /** This member's name. */
  memberName: string;
  /** This member's peer URL, `https://<address>:2380`. */
  peerUrl: string;
  /** `name=peerUrl,...` of every member. */
  initialCluster: string;
  /** The new `initial-cluster-token` ({@link restoredClusterToken}). */
  clusterToken: string;
  /** etcd's data directory on this member. @default kubeadm's `/var/lib/etcd` */
  dataDir?: string;
  /** How far the restored revision is raised above the snapshot's (kube-apiserver watch caches, client resourceVersions). */
  bumpRevision: number;
  /** `stacked-etcd`: put kubeadm's etcd manifest back; `etcd-unit`: start the unit (no wait: members wait for peers). */
  target: "stacked-etcd" | "etcd-unit";
}

/**
 * Restore step 4, on every member once etcd is stopped everywhere: the old data directory is moved aside (kept,
 * as `<dataDir>.before-restore-<time>`), `etcdutl snapshot restore` writes a new one from the verified snapshot as
 * a member of a new cluster (new token, every member from the same snapshot, `--bump-revision` with
 * `--mark-compacted` so that no watcher or client holds a revision the restored cluster would reuse), and etcd is
 * started again (stacked: its manifest back and kubelet restarted). Refuses while etcd still runs here.
 */
export function etcdRestoreDataScript(options: EtcdRestoreDataOptions): string {
  requireSha(options.sha256);
  if (!Number.isInteger(options.bumpRevision) || options.bumpRevision < 1) throw new Error(`etcd restore: bumpRevision must be a positive integer, got ${options.bumpRevision}`);
  return bashScript(
    `etcd restore: restore member ${options.memberName} from the snapshot and start it`,
    {
      SHA256: options.sha256,
      STEP: "restore-data",
      TARGET: options.target,
      MEMBER: options.memberName,
      PEER_URL: options.peerUrl,
      INITIAL_CLUSTER: options.initialCluster,
      CLUSTER_TOKEN: options.clusterToken,
      DATA_DIR: options.dataDir ?? STACKED_ETCD_DATA_DIR,
      BUMP_REVISION: options.bumpRevision,
      ETCD_UNIT: paths.etcdUnitName,
      ETCDUTL: paths.etcdutlBinary,
      STATE_DIR: etcdRestorePaths.stateDir,
      MANIFESTS_DIR: etcdRestorePaths.manifestsDir,
      CONTAINERD_SOCKET: etcdRestorePaths.containerdSocket,
    },
    COMMON + DATA_BODY,
  );
}

const DATA_BODY = bashBraces(String.raw`
staged="$STATE_DIR/$SHA256.db"
[ -f "$staged" ] || { echo "no verified snapshot $staged on $(hostname): the verify step did not run here" >&2; exit 1; }
if [ "$TARGET" = etcd-unit ]; then
  if systemctl is-active --quiet "$ETCD_UNIT"; then echo "etcd still runs on $(hostname): refusing to replace its data" >&2; exit 1; fi
elif [ "$(crictl_running etcd)" -gt 0 ] || [ -f "$MANIFESTS_DIR/etcd.yaml" ]; then
  echo "etcd still runs (or its manifest is back) on $(hostname): refusing to replace its data" >&2
  exit 1
fi
aside=""
if [ -e "$DATA_DIR" ]; then
  aside="$DATA_DIR.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  mv "$DATA_DIR" "$aside"
  echo "kept the old data directory as $aside" >&2
fi
started=$SECONDS
if ! out="$("$ETCDUTL" snapshot restore "$staged" --data-dir "$DATA_DIR" --name "$MEMBER" \
    --initial-cluster "$INITIAL_CLUSTER" --initial-cluster-token "$CLUSTER_TOKEN" --initial-advertise-peer-urls "$PEER_URL" \
    --bump-revision "$BUMP_REVISION" --mark-compacted 2>&1)"; then
  printf '%s\n' "$out" | tail -n 5 >&2
  rm -rf "$DATA_DIR"
  exit 1
fi
chmod 0700 "$DATA_DIR"
# Owned like the directory it replaces (a unit may run etcd as its own user).
if [ -n "@{aside:-}" ]; then chown -R --reference="$aside" "$DATA_DIR"; fi
if [ "$TARGET" = etcd-unit ]; then
  systemctl start --no-block "$ETCD_UNIT"
else
  release etcd
  # kubelet may hold a crash-loop back-off (up to 5 min) for the etcd pod of a member that lost its data: the same
  # manifest is the same static pod. A restart forgets it and reads the manifest now.
  systemctl restart kubelet
fi
mark_done
echo "member $MEMBER restored in $((SECONDS - started)) s and started" >&2
`);

/** Options of {@link etcdRestoreStartScript}. */
export interface EtcdRestoreStartOptions {
  sha256: string;
  /** Bound on waiting for the local kube-apiserver to answer, in seconds. */
  timeoutSeconds: number;
}

/**
 * Restore step 6, on every control plane once etcd has a quorum again: kube-apiserver's manifest goes back (kubelet
 * restarted, so that no crash-loop back-off delays it), the step waits until it answers `/readyz` locally, then
 * restarts kube-controller-manager and kube-scheduler (their containers are stopped; kubelet starts new ones, which
 * list everything afresh) and kubelet itself once more, now that its API answers.
 */
export function etcdRestoreStartScript(options: EtcdRestoreStartOptions): string {
  requireSha(options.sha256);
  return bashScript(
    "etcd restore: start kube-apiserver, restart kube-controller-manager, kube-scheduler and kubelet",
    {
      SHA256: options.sha256,
      STEP: "start-control-plane",
      TIMEOUT_SECONDS: options.timeoutSeconds,
      STATE_DIR: etcdRestorePaths.stateDir,
      MANIFESTS_DIR: etcdRestorePaths.manifestsDir,
      CONTAINERD_SOCKET: etcdRestorePaths.containerdSocket,
    },
    COMMON + START_BODY,
  );
}

const START_BODY = bashBraces(String.raw`
release kube-apiserver
[ -f "$MANIFESTS_DIR/kube-apiserver.yaml" ] || { echo "no kube-apiserver manifest on $(hostname)" >&2; exit 1; }
# An API server that crash-looped while etcd had no quorum may sit in kubelet's back-off: a restart forgets it.
systemctl restart kubelet
deadline=$((SECONDS + TIMEOUT_SECONDS))
until [ "$(curl -sk --max-time 2 https://127.0.0.1:6443/readyz 2>/dev/null)" = ok ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "kube-apiserver on $(hostname) did not answer /readyz within $TIMEOUT_SECONDS s" >&2
    exit 1
  fi
  sleep 1
done
for name in kube-controller-manager kube-scheduler; do
  crictl -r "$CONTAINERD_SOCKET" ps -q --state running --name "^$name\$" | xargs -r crictl -r "$CONTAINERD_SOCKET" stop >/dev/null
done
systemctl restart kubelet
mark_done
echo "kube-apiserver back, kube-controller-manager, kube-scheduler and kubelet restarted on $(hostname)" >&2
`);

/**
 * The step before the copy: the inbox directory, owned by the SSH user (who copies over SFTP, maybe not root) and
 * readable by nobody else (the snapshot holds every Secret of the cluster).
 */
export function etcdRestoreInboxScript(): string {
  return bashScript("etcd restore: a private inbox for the snapshot", { INBOX_DIR: etcdRestorePaths.inboxDir }, String.raw`
owner="${"$"}{SUDO_USER:-root}"
install -d -m 0755 "$(dirname "$INBOX_DIR")"
install -d -m 0700 -o "$owner" "$INBOX_DIR"
echo "inbox $INBOX_DIR for $owner" >&2
`);
}
