import { paths } from "../paths";
import { bashScript } from "./shell";

/**
 * Starts this machine's external etcd member from the configuration and unit the place-files step wrote.
 * Idempotent: a running member with an unchanged configuration is left alone; a changed configuration
 * restarts it (its data directory is kept). Uses systemd where it runs, else a detached process
 * (containers and the integration test hosts have no systemd).
 */
export function etcdStartScript(): string {
  return bashScript(
    "start the external etcd member (idempotent)",
    {
      CONFIG_FILE: paths.etcdConfigFile,
      UNIT: paths.etcdUnitName,
      LOG_FILE: paths.etcdLog,
      CHECKSUM_FILE: `${paths.stateDir}/etcd-config.sha256`,
    },
    `
mkdir -p "$(dirname "$LOG_FILE")" "$(dirname "$CHECKSUM_FILE")"
[ -f "$CONFIG_FILE" ] || { echo "$CONFIG_FILE missing: the place-files step did not run" >&2; exit 1; }
checksum="$(sha256sum "$CONFIG_FILE" | cut -d' ' -f1)"
previous="$(cat "$CHECKSUM_FILE" 2>/dev/null || true)"

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet "$UNIT"; then
    if [ "$checksum" = "$previous" ]; then
      echo "etcd already running with this configuration"
    else
      echo "etcd configuration changed: restarting (data kept)"
      systemctl restart "$UNIT"
    fi
  else
    systemctl enable --now "$UNIT"
    echo "etcd started by systemd"
  fi
else
  pid="$(pgrep -f -- "etcd --config-file $CONFIG_FILE" | head -n 1 || true)"
  if [ -n "$pid" ] && [ "$checksum" = "$previous" ]; then
    echo "etcd already running (pid $pid) with this configuration"
  else
    if [ -n "$pid" ]; then
      echo "etcd configuration changed: restarting pid $pid (data kept)"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    setsid etcd --config-file "$CONFIG_FILE" </dev/null >>"$LOG_FILE" 2>&1 &
    echo "etcd started (pid $!)"
  fi
fi
printf '%s\\n' "$checksum" > "$CHECKSUM_FILE"
`,
  );
}

/** Stops this machine's external etcd member and keeps its data directory (used when the step is deleted). */
export function etcdStopScript(): string {
  return bashScript(
    "stop the external etcd member (data directory kept)",
    { CONFIG_FILE: paths.etcdConfigFile, UNIT: paths.etcdUnitName },
    `
if [ -d /run/systemd/system ]; then
  systemctl disable --now "$UNIT" 2>/dev/null || true
else
  pkill -f -- "etcd --config-file $CONFIG_FILE" || true
fi
echo "etcd stopped; data directory kept"
`,
  );
}
