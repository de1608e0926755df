import { TopologyError } from "./errors";
import type { QuorumPlan } from "./types";

/**
 * Quorum arithmetic of an actual placement: `voterZones[i]` is the zone of voter i, `zones` every zone
 * considered (zones without voters count as losable for free). Throws if a voter's zone is not in `zones`.
 */
export function quorumForPlacement(voterZones: string[], zones: string[]): QuorumPlan {
  const votersPerZone: Record<string, number> = {};
  for (const zone of zones) votersPerZone[zone] = 0;
  for (const zone of voterZones) {
    if (!(zone in votersPerZone)) {
      throw new TopologyError(
        "zones",
        `voter zone ${JSON.stringify(zone)} is not one of the zones given (${zones.join(", ")}). ` +
          "Add it to the zones or place the voter in one of them.",
      );
    }
    votersPerZone[zone] += 1;
  }
  const voters = voterZones.length;
  const quorumSize = Math.floor(voters / 2) + 1;
  return {
    voters,
    quorumSize,
    nodeFailuresTolerated: voters - quorumSize,
    zoneFailuresTolerated: zoneFailuresTolerated(Object.values(votersPerZone), quorumSize),
    votersPerZone,
  };
}

/** Largest k such that losing the k zones holding the most voters (the worst case) still leaves a quorum. */
function zoneFailuresTolerated(counts: number[], quorumSize: number): number {
  const sorted = [...counts].sort((a, b) => b - a);
  let remaining = sorted.reduce((sum, count) => sum + count, 0);
  let lost = 0;
  for (const count of sorted) {
    remaining -= count;
    if (remaining < quorumSize) break;
    lost += 1;
  }
  return lost;
}

/** The zone holding the most voters (first in `zones` order on ties): the worst one to lose. */
export function busiestZone(quorum: QuorumPlan, zones: string[]): string {
  let best = zones[0];
  for (const zone of zones) {
    if (quorum.votersPerZone[zone] > quorum.votersPerZone[best]) best = zone;
  }
  return best;
}
