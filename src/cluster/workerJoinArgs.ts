/** The argument that sets how long the workers' bootstrap token stays valid after each update. */
export const WORKER_JOIN_TOKEN_TTL_FIELD = "workerJoinTokenTtlHours";

/** Default of `workerJoinTokenTtlHours`: kubeadm's default token lifetime. */
export const DEFAULT_WORKER_JOIN_TOKEN_TTL_HOURS = 24;

/** The longest `workerJoinTokenTtlHours` accepted: one year (a token that never expires is not offered). */
export const MAX_WORKER_JOIN_TOKEN_TTL_HOURS = 8760;

/** What is wrong with a `workerJoinTokenTtlHours` value, with the fix; undefined when it is fine (or not given). */
export function workerJoinTokenTtlProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_WORKER_JOIN_TOKEN_TTL_HOURS) return undefined;
  return `${JSON.stringify(value)} is not a whole number of hours from 1 to ${MAX_WORKER_JOIN_TOKEN_TTL_HOURS}. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join.`;
}
