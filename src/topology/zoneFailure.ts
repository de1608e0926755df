import { plural } from "./describe";
import { busiestZone } from "./quorum";
import type { QuorumPlan } from "./types";

/**
 * Says what losing the worst zone does, e.g.
 * `3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2`.
 */
export function describeZoneLoss(quorum: QuorumPlan, zones: string[]): string {
  const used = zones.filter((zone) => quorum.votersPerZone[zone] > 0);
  const spread = used.map((zone) => `${zone}: ${quorum.votersPerZone[zone]}`).join(", ");
  const worst = busiestZone(quorum, zones);
  const left = quorum.voters - quorum.votersPerZone[worst];
  const verb = quorum.voters === 1 ? "does" : "do";
  return (
    `${plural(quorum.voters, "voter")} in ${plural(used.length, "zone")} (${spread}) ${verb} not survive losing a zone: ` +
    `losing zone ${worst} leaves ${left} of ${plural(quorum.voters, "voter")}, below the quorum of ${quorum.quorumSize}`
  );
}

/**
 * Fewest zones over which `voters` voters survive losing any one zone (at most quorumSize - 1 per zone),
 * or undefined when no number of zones helps (a single voter).
 */
export function minZonesForZoneFailure(voters: number): number | undefined {
  const perZone = Math.floor(voters / 2);
  return perZone === 0 ? undefined : Math.ceil(voters / perZone);
}
