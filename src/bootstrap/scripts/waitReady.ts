import { paths } from "../paths";
import { bashScript } from "./shell";

/** Options of {@link waitReadyScript}. */
export interface WaitReadyOptions {
  /** How long to wait for machine preparation to finish, in seconds. */
  timeoutSeconds: number;
}

/**
 * Waits until the machine is prepared: cloud-init finished (when the machine runs cloud-init) and the
 * preparation marker exists. Fails early, with cloud-init's own status, when cloud-init reports an error.
 */
export function waitReadyScript(options: WaitReadyOptions): string {
  return bashScript(
    "wait until the machine is prepared (cloud-init done, packages installed)",
    { TIMEOUT_SECONDS: options.timeoutSeconds, MARKER: paths.preparedMarker },
    `
deadline=$((SECONDS + TIMEOUT_SECONDS))
while [ ! -f "$MARKER" ]; do
  if command -v cloud-init >/dev/null 2>&1 && [ -d /run/cloud-init ]; then
    status="$(cloud-init status 2>/dev/null || true)"
    case "$status" in
      *error*) echo "cloud-init failed on $(hostname): $status" >&2; exit 1 ;;
    esac
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "$(hostname) not prepared after \${TIMEOUT_SECONDS}s: $MARKER missing (see /var/log/cloud-init-output.log)" >&2
    exit 1
  fi
  sleep 2
done
echo "$(hostname) is prepared"
`,
  );
}

/**
 * The machine's own host name, from the ready step's output (its last line is `<hostname> is prepared`). The
 * quorum gate needs it: kube-controller-manager and kube-scheduler name their Lease holder by host name, not by
 * Kubernetes node name, and the two differ wherever the machine's host name is not the node name.
 */
export function preparedHostname(readyStdout: string): string | undefined {
  return /^(\S+) is prepared$/m.exec(readyStdout)?.[1];
}
