import { paths } from "../paths";
import { bashBraces, bashScript, ETCDCTL_AT } from "./shell";

/** Options of {@link etcdStartScript}. */
export interface EtcdStartOptions {
  /**
   * This member was not among the members the cluster was bootstrapped with (scale-up): with an empty data
   * directory it adds itself to the running cluster instead of bootstrapping. @default false
   */
  joinRunningCluster?: boolean;
  /** How long to keep asking etcd to add, then promote, this member, in seconds. @default 180 */
  joinTimeoutSeconds?: number;
  /**
   * With systemd: how long to watch the unit after starting it, in seconds. The unit is `Type=notify` and becomes
   * active only once the member is part of a quorum, which on a first bring-up needs its peers: a member still
   * starting after this long is left starting (the etcd gate waits for the cluster); only a failed unit fails the
   * step. @default 30
   */
  startWaitSeconds?: number;
}

/**
 * Starts this machine's external etcd member from the configuration and unit the place-files step wrote.
 * - A member of the bootstrap set runs the placed configuration (static `initial-cluster`, every member started
 *   in one wave; a late one joins the others). No network probe decides this: the program knows the set.
 * - A member added later (`joinRunningCluster`) with no data adds itself first: `etcdctl member add --learner`
 *   (retried while etcd refuses reconfiguration), starts with `initial-cluster-state: existing` and the
 *   membership etcd returned, then promotes itself to voter once it has caught up.
 * Idempotent: a running member whose settings are unchanged is left alone; changed settings restart it (data
 * kept). `initial-cluster*` lines are not settings: etcd reads them only on its first start, so adding members
 * never restarts the running ones. Uses systemd where it runs, else a detached process (containers and the
 * integration test hosts have no systemd). With systemd the unit is started without blocking on its readiness
 * (see `startWaitSeconds`): members prepared minutes apart each wait for the others without failing their step.
 */
export function etcdStartScript(options: EtcdStartOptions = {}): string {
  return bashScript(
    "start the external etcd member (idempotent; joins a running cluster as learner, then voter)",
    {
      ETCD: paths.etcdBinary,
      CONFIG_FILE: paths.etcdConfigFile,
      RUN_CONFIG_FILE: paths.etcdRunConfigFile,
      JOINED_FILE: paths.etcdJoinedFile,
      UNIT: paths.etcdUnitName,
      LOG_FILE: paths.etcdLog,
      CHECKSUM_FILE: `${paths.stateDir}/etcd-config.sha256`,
      CA_FILE: `${paths.etcdPkiDir}/ca.crt`,
      CERT_FILE: `${paths.etcdPkiDir}/server.crt`,
      KEY_FILE: `${paths.etcdPkiDir}/server.key`,
      JOIN_RUNNING_CLUSTER: options.joinRunningCluster ?? false,
      JOIN_TIMEOUT_SECONDS: options.joinTimeoutSeconds ?? 180,
      START_WAIT_SECONDS: options.startWaitSeconds ?? 30,
    },
    START_BODY,
  );
}

const START_BODY = bashBraces(String.raw`
mkdir -p "$(dirname "$LOG_FILE")" "$(dirname "$CHECKSUM_FILE")" "$(dirname "$JOINED_FILE")"
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
[ -x "$ETCD" ] || { echo "$ETCD missing: the node preparation installs the pinned etcd release there" >&2; exit 1; }
setting() { sed -n "s/^$1: *//p" "$CONFIG_FILE"; }
settings="$(grep -v '^initial-cluster' "$CONFIG_FILE" | sha256sum | cut -d' ' -f1)"
previous="$(cat "$CHECKSUM_FILE" 2>/dev/null || true)"
name="$(setting name)"
data_dir="$(setting data-dir)"
peer_url="$(setting initial-advertise-peer-urls)"
deadline=$((SECONDS + JOIN_TIMEOUT_SECONDS))

${ETCDCTL_AT}


# The configuration etcd runs with: the placed one, or for a member added to a running cluster the same
# settings with the membership etcd returned and state "existing".
write_run_config() {
  if [ -f "$JOINED_FILE" ]; then
    sed -e "s|^initial-cluster-state: .*|initial-cluster-state: existing|" \
        -e "s|^initial-cluster: .*|initial-cluster: $(cat "$JOINED_FILE")|" "$CONFIG_FILE" > "$RUN_CONFIG_FILE"
  else
    cp "$CONFIG_FILE" "$RUN_CONFIG_FILE"
  fi
}

others="$(setting initial-cluster | tr ',' '\n' | cut -d= -f2- | grep -vxF "$peer_url" | sed 's/:2380$/:2379/' | paste -sd, || true)"
if [ "$JOIN_RUNNING_CLUSTER" = true ] && [ ! -d "$data_dir/member" ] && [ ! -f "$JOINED_FILE" ]; then
  echo "$name joins the running cluster: adding it as a learner"
  until added="$(etcdctl_at "$others" --command-timeout=3s member add "$name" --learner --peer-urls="$peer_url" 2>&1)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "etcd refused to add $name for $JOIN_TIMEOUT_SECONDS seconds: $(printf '%s' "$added" | tail -n 1)" >&2
      exit 1
    fi
    sleep 2
  done
  printf '%s\n' "$added" | sed -n 's/^ETCD_INITIAL_CLUSTER="\(.*\)"$/\1/p' > "$JOINED_FILE"
fi
write_run_config

# The unit is Type=notify: systemd calls it active only once the member serves as part of a quorum, which on a
# first bring-up needs its peers (started by their own steps, possibly minutes apart). So never block on it: start
# without waiting, watch a bounded while, and leave a member that is still starting to the etcd gate.
wait_for_unit() {
  local state=""
  for _ in $(seq 1 "$START_WAIT_SECONDS"); do
    state="$(systemctl is-active "$UNIT" || true)"
    case "$state" in
      active) echo "etcd $1 by systemd"; return 0 ;;
      failed)
        echo "etcd failed to start on $(hostname); last lines of its journal:" >&2
        journalctl -u "$UNIT" -n 20 --no-pager >&2 || true
        return 1 ;;
    esac
    sleep 1
  done
  echo "etcd $1 by systemd and still $state after $START_WAIT_SECONDS s: waiting for its peers to form a quorum (the etcd gate waits for the cluster)"
}

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet "$UNIT"; then
    if [ "$settings" = "$previous" ]; then
      echo "etcd already running with this configuration"
    else
      echo "etcd configuration changed: restarting (data kept)"
      systemctl restart --no-block "$UNIT"
      wait_for_unit restarted
    fi
  else
    systemctl enable --quiet "$UNIT"
    systemctl start --no-block "$UNIT"
    wait_for_unit started
  fi
else
  pid="$(pgrep -f -- "etcd --config-file $RUN_CONFIG_FILE" | head -n 1 || true)"
  if [ -n "$pid" ] && [ "$settings" = "$previous" ]; then
    echo "etcd already running (pid $pid) with this configuration"
  else
    if [ -n "$pid" ]; then
      echo "etcd configuration changed: restarting pid $pid (data kept)"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    setsid "$ETCD" --config-file "$RUN_CONFIG_FILE" </dev/null >>"$LOG_FILE" 2>&1 &
    echo "etcd started (pid $!)"
  fi
fi
printf '%s\n' "$settings" > "$CHECKSUM_FILE"

if [ -f "$JOINED_FILE" ]; then
  # Added to a running cluster (now or on an earlier run): promote this member once it has caught up with the
  # leader (etcd refuses until then). Read from the member list, so a re-run finishes a promotion left undone.
  until [ "$(etcdctl_at "$others" member list -w simple 2>/dev/null | grep -F ", $peer_url," | awk -F', ' '{print $NF}')" = "false" ]; do
    learner_id="$(etcdctl_at "$others" member list -w simple 2>/dev/null | grep -F ", $peer_url," | cut -d, -f1 || true)"
    [ -z "$learner_id" ] || etcdctl_at "$others" --command-timeout=3s member promote "$learner_id" >/dev/null 2>&1 || true
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "learner $name not promoted within $JOIN_TIMEOUT_SECONDS seconds" >&2
      exit 1
    fi
    sleep 1
  done
  echo "$name is a voting member"
fi
`);

/** Stops this machine's external etcd member and keeps its data directory (used when the step is deleted). */
export function etcdStopScript(): string {
  return bashScript(
    "stop the external etcd member (data directory kept)",
    { RUN_CONFIG_FILE: paths.etcdRunConfigFile, UNIT: paths.etcdUnitName },
    `
if [ -d /run/systemd/system ]; then
  systemctl disable --now "$UNIT" 2>/dev/null || true
else
  pkill -f -- "etcd --config-file $RUN_CONFIG_FILE" || true
fi
echo "etcd stopped; data directory kept"
`,
  );
}
