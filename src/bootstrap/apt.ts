/**
 * How long every apt-get the library runs waits for the dpkg lock, in seconds. On a first boot Ubuntu's
 * unattended-upgrades (apt-daily-upgrade) can hold it for minutes; cloud-init's own `packages:` module waits only
 * 30 s for it, so the library installs packages from its scripts instead.
 */
export const APT_LOCK_TIMEOUT_SECONDS = 600;

/** Options of {@link aptFunctions}. */
export interface AptFunctionsOptions {
  /**
   * Seconds apt-get waits for the dpkg lock, and the bound on retrying `apt-get update`.
   * @default APT_LOCK_TIMEOUT_SECONDS (600)
   */
  lockTimeoutSeconds?: number;
  /**
   * Pause between two `apt-get update` attempts, in seconds.
   * @default 10
   */
  retryIntervalSeconds?: number;
}

/**
 * Bash functions for a script in `set -euo pipefail`:
 * - `apt_update`: `apt-get update`, retried until it succeeds or the bound passes. `DPkg::Lock::Timeout` covers
 *   the dpkg lock; the package lists have a lock of their own that apt-daily's update holds, and a mirror may be
 *   briefly unreachable: both are ridden out by the retries.
 * - `apt_install PACKAGE...`: non-interactive `apt-get install` that waits for the dpkg lock and keeps any
 *   configuration file written before the package (containerd ships `config.toml` as a conffile).
 * - `apt_mark_hold PACKAGE...`: `apt-mark hold`, waiting for the lock too.
 */
export function aptFunctions(options: AptFunctionsOptions = {}): string {
  const timeout = options.lockTimeoutSeconds ?? APT_LOCK_TIMEOUT_SECONDS;
  const interval = options.retryIntervalSeconds ?? 10;
  if (!(Number.isInteger(timeout) && timeout > 0) || !(interval >= 0 && Number.isFinite(interval))) {
    throw new Error(`apt: lockTimeoutSeconds must be a positive whole number and retryIntervalSeconds >= 0, got ${timeout} and ${interval}`);
  }
  const lock = `-o DPkg::Lock::Timeout=${timeout}`;
  return `# apt-get waits up to ${timeout} s for the dpkg lock (unattended-upgrades may hold it after a first boot).
apt_update() {
  local deadline=$((SECONDS + ${timeout}))
  until apt-get ${lock} -q update; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "apt-get update kept failing for ${timeout} s" >&2
      return 1
    fi
    sleep ${interval}
  done
}
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get ${lock} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \\
    -q -y install "$@"
}
apt_mark_hold() {
  apt-mark ${lock} hold "$@"
}`;
}
