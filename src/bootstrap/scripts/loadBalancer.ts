import { bashScript } from "./shell";

/** Where the load-balancer steps keep their files on a load-balancer machine. */
export const loadBalancerPaths = {
  haproxyConfig: "/etc/haproxy/haproxy.cfg",
  /** PID file of HAProxy when it runs without systemd. */
  haproxyPidFile: "/run/pulumi-k8s-ha-haproxy.pid",
  keepalivedConfig: "/etc/keepalived/keepalived.conf",
  /** PID file of keepalived's parent process when it runs without systemd. */
  keepalivedPidFile: "/run/pulumi-k8s-ha-keepalived.pid",
  keepalivedLog: "/var/log/pulumi-k8s-ha/keepalived.log",
  /** Start-up messages of HAProxy when it runs without systemd. */
  haproxyLog: "/var/log/pulumi-k8s-ha/haproxy.log",
} as const;

/** Options of {@link haproxyApplyScript} and {@link keepalivedApplyScript}. */
export interface LoadBalancerConfigOptions {
  /** The complete configuration file (public: it lands in the command text). */
  config: string;
}

/** Writes `$CONFIG` to `$CONFIG_FILE` after `$CHECK` accepted it; sets `changed` to 1 when the file changed. */
/**
 * Where systemd runs: enable the service, start it, or reload it when the configuration changed (`$changed`).
 * The caller continues with `else` and the no-systemd path.
 */
function systemdStartOrReload(service: string): string {
  return `if [ -d /run/systemd/system ]; then
  systemctl enable --quiet ${service}
  if ! systemctl is-active --quiet ${service}; then
    if ! systemctl start ${service}; then
      echo "${service} did not start on $(hostname); its last log lines:" >&2
      journalctl -u ${service} -n 5 --no-pager -o cat >&2 || true
      exit 1
    fi
    echo "${service} started by systemd"
  elif [ "$changed" -eq 1 ]; then
    systemctl reload ${service}
    echo "${service} reloaded by systemd"
  else
    echo "${service} already running with this configuration"
  fi`;
}

const WRITE_CHECKED_CONFIG = `
mkdir -p "$(dirname "$CONFIG_FILE")"
candidate="$(mktemp "$CONFIG_FILE.XXXXXX")"
printf '%s' "$CONFIG" | base64 -d > "$candidate"
chmod 0644 "$candidate"
if ! check_output="$(check_config "$candidate" 2>&1)"; then
  rm -f "$candidate"
  echo "refusing the new $CONFIG_FILE: $check_output" >&2
  exit 1
fi
changed=0
if [ -f "$CONFIG_FILE" ] && cmp -s "$candidate" "$CONFIG_FILE"; then
  rm -f "$candidate"
else
  mv -f "$candidate" "$CONFIG_FILE"
  changed=1
  echo "wrote $CONFIG_FILE"
fi

# The running daemon of this step: the PID file's process, if it is still that program.
running_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$PROGRAM" ]; then echo "$pid"; fi
}`;

/**
 * Places the HAProxy configuration (checked with `haproxy -c` first: a bad file never replaces a good one) and
 * makes HAProxy run it. Idempotent: an unchanged configuration leaves a running HAProxy alone ("already
 * running"); a changed one reloads it without dropping connections (systemd `reload`, or a new process taking
 * over with `-sf <old pid>`). Uses systemd where it runs, else a daemon (`haproxy -D`) with a PID file.
 */
export function haproxyApplyScript(options: LoadBalancerConfigOptions): string {
  return bashScript(
    "place the HAProxy configuration and (re)start HAProxy (idempotent)",
    {
      CONFIG: Buffer.from(options.config, "utf8").toString("base64"),
      CONFIG_FILE: loadBalancerPaths.haproxyConfig,
      PID_FILE: loadBalancerPaths.haproxyPidFile,
      LOG_FILE: loadBalancerPaths.haproxyLog,
      PROGRAM: "haproxy",
    },
    `
command -v haproxy >/dev/null 2>&1 || { echo "haproxy is not installed on $(hostname)" >&2; exit 1; }
check_config() { haproxy -c -q -f "$1"; }
${WRITE_CHECKED_CONFIG}

${systemdStartOrReload("haproxy")}
else
  pid="$(running_pid)"
  if [ -n "$pid" ] && [ "$changed" -eq 0 ]; then
    echo "haproxy already running (pid $pid) with this configuration"
    exit 0
  fi
  mkdir -p "$(dirname "$LOG_FILE")"
  # -D: HAProxy forks into the background once it listens; its exit status says whether it started.
  if ! setsid haproxy -D -f "$CONFIG_FILE" -p "$PID_FILE" \${pid:+-sf "$pid"} </dev/null >>"$LOG_FILE" 2>&1; then
    echo "haproxy did not start on $(hostname); last lines of $LOG_FILE:" >&2
    tail -n 5 "$LOG_FILE" >&2
    exit 1
  fi
  if [ -n "$pid" ]; then
    echo "haproxy reloaded (pid $(cat "$PID_FILE") replaces $pid)"
  else
    echo "haproxy started (pid $(cat "$PID_FILE"))"
  fi
fi
`,
  );
}

/**
 * Places the keepalived configuration (checked with `keepalived -t` first) and makes keepalived run it.
 * Idempotent like {@link haproxyApplyScript}; a changed configuration is reloaded (SIGHUP / systemd `reload`).
 * Without systemd keepalived runs in the foreground of its own session (`-n`), logging to a file.
 */
export function keepalivedApplyScript(options: LoadBalancerConfigOptions): string {
  return bashScript(
    "place the keepalived configuration and (re)start keepalived (idempotent)",
    {
      CONFIG: Buffer.from(options.config, "utf8").toString("base64"),
      CONFIG_FILE: loadBalancerPaths.keepalivedConfig,
      PID_FILE: loadBalancerPaths.keepalivedPidFile,
      LOG_FILE: loadBalancerPaths.keepalivedLog,
      PROGRAM: "keepalived",
    },
    `
command -v keepalived >/dev/null 2>&1 || { echo "keepalived is not installed on $(hostname)" >&2; exit 1; }
check_config() { keepalived -t -f "$1"; }
${WRITE_CHECKED_CONFIG}

${systemdStartOrReload("keepalived")}
else
  pid="$(running_pid)"
  if [ -n "$pid" ] && [ "$changed" -eq 0 ]; then
    echo "keepalived already running (pid $pid) with this configuration"
  elif [ -n "$pid" ]; then
    kill -HUP "$pid"
    echo "keepalived (pid $pid) reloaded"
  else
    mkdir -p "$(dirname "$LOG_FILE")"
    rm -f "$PID_FILE"
    setsid keepalived -n -l -f "$CONFIG_FILE" -p "$PID_FILE" -r "$PID_FILE.vrrp" -c "$PID_FILE.checkers" </dev/null >>"$LOG_FILE" 2>&1 &
    for _ in $(seq 1 50); do [ -n "$(running_pid)" ] && break; sleep 0.1; done
    [ -n "$(running_pid)" ] || { echo "keepalived did not start; see $LOG_FILE" >&2; tail -n 20 "$LOG_FILE" >&2; exit 1; }
    echo "keepalived started (pid $(running_pid))"
  fi
fi
`,
  );
}

/** Stops HAProxy or keepalived started by the steps above (used when the step is deleted); the configuration stays. */
export function loadBalancerStopScript(program: "haproxy" | "keepalived"): string {
  return bashScript(
    `stop ${program} (configuration kept)`,
    {
      PROGRAM: program,
      PID_FILE: program === "haproxy" ? loadBalancerPaths.haproxyPidFile : loadBalancerPaths.keepalivedPidFile,
    },
    `
if [ -d /run/systemd/system ]; then
  systemctl disable --now --quiet "$PROGRAM" 2>/dev/null || true
else
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$PROGRAM" ]; then kill "$pid"; fi
  rm -f "$PID_FILE"
fi
echo "$PROGRAM stopped"
`,
  );
}
