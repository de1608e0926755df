import type { GateObservation, ObservedLeaders } from "./quorumReport";

/**
 * Reads the quorum gate's observation from its stdout: the last line that is a JSON object.
 * Never throws (it runs inside `apply`): output that is not an observation yields `undefined`.
 */
export function parseGateObservation(stdout: string | undefined): GateObservation | undefined {
  const lines = (stdout ?? "").split("\n").map((line) => line.trim());
  for (const line of lines.reverse()) {
    if (!line.startsWith("{")) continue;
    try {
      const value = JSON.parse(line) as Partial<GateObservation>;
      if (typeof value.ok === "boolean" && Array.isArray(value.members)) {
        const { leaders, ...rest } = value as GateObservation & { leaders?: unknown };
        const parsed = parseLeaders(leaders);
        return (parsed === undefined ? rest : { ...rest, leaders: parsed }) as GateObservation;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  return undefined;
}

const LEASE_KEYS = ["kubeControllerManager", "kubeScheduler"] as const;

/** A holder: a node name, or `null` for nobody; anything else is not a holder we can report. */
const holder = (v: unknown): string | null | undefined => (v === null || (typeof v === "string" && v !== "") ? v : undefined);

/**
 * The `leaders` block, keeping only well-formed entries: `etcd` always (`null` when unreadable), the Lease holders
 * only when the gate reported them. `undefined` when the gate printed no block (an older gate).
 */
function parseLeaders(value: unknown): ObservedLeaders | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const leaders: ObservedLeaders = { etcd: holder(raw.etcd) ?? null };
  for (const key of LEASE_KEYS) {
    const v = holder(raw[key]);
    if (v !== undefined) leaders[key] = v;
  }
  return leaders;
}
