import type { GateObservation } from "./quorumReport";

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
      if (typeof value.ok === "boolean" && Array.isArray(value.members)) return value as GateObservation;
    } catch {
      return undefined;
    }
    return undefined;
  }
  return undefined;
}
