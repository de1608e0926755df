import { TopologyError } from "./errors";

/** Most etcd voters accepted: etcd recommends at most 7; 9 is allowed with a warning. */
export const MAX_ETCD_VOTERS = 9;

/** Voter counts from which a write-latency warning is given. */
const LATENCY_WARNING_FROM = 7;

/**
 * Checks an etcd voter count (already known to be a positive integer): odd and at most {@link MAX_ETCD_VOTERS}.
 * Returns the warnings it deserves.
 */
export function checkVoterCount(voters: number, field: string): string[] {
  if (voters > MAX_ETCD_VOTERS) {
    throw new TopologyError(
      field,
      `${voters} etcd voters is too many; etcd recommends at most 7 (every write waits for a majority) ` +
        `and at most ${MAX_ETCD_VOTERS} are accepted. Use 3, 5 or 7.`,
    );
  }
  if (voters % 2 === 0) {
    throw new TopologyError(field, `${voters} is even; etcd needs an odd number of voters. Use ${voters - 1} or ${voters + 1}.`);
  }
  if (voters >= LATENCY_WARNING_FROM) {
    return [
      `${field}: ${voters} etcd voters make every write wait for ${Math.floor(voters / 2) + 1} of them; ` +
        "expect higher write latency than with 5 (etcd recommends at most 7).",
    ];
  }
  return [];
}
