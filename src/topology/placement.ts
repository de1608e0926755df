import { validateZones } from "./checks";
import { TopologyError } from "./errors";
import { quorumForPlacement } from "./quorum";
import type { QuorumPlan } from "./types";
import { checkVoterCount } from "./voters";
import { describeZoneLoss, minZonesForZoneFailure } from "./zoneFailure";

/** Result of {@link validatePlacement}: the quorum arithmetic and the warnings it deserves. */
export interface PlacementCheck {
  /** Quorum and fault tolerance of the placement. */
  quorum: QuorumPlan;
  /** Things that are allowed but worth knowing. */
  warnings: string[];
}

/**
 * Validates an actual placement of etcd voters, e.g. machines the user already has in known failure domains:
 * `voterZones[i]` is the zone of voter i. Throws a {@link TopologyError} naming `field` (e.g. `controlPlaneHosts`)
 * when the voter count is not odd and at most 9, a zone is unknown, or (with `tolerateZoneFailure`) losing one
 * zone would lose quorum; with `tolerateZoneFailure: false` the last case is a warning.
 */
export function validatePlacement(
  voterZones: string[],
  zones: string[],
  tolerateZoneFailure: boolean,
  field: string,
): PlacementCheck {
  validateZones(zones);
  if (!Array.isArray(voterZones) || voterZones.length === 0) {
    throw new TopologyError(field, "has no etcd voters. Give at least one, or 3 in 3 different zones for high availability.");
  }
  voterZones.forEach((zone, index) => {
    if (!zones.includes(zone)) {
      throw new TopologyError(
        field,
        `entry ${index} is in zone ${JSON.stringify(zone)}, which is not one of the zones (${zones.join(", ")}). ` +
          "Add the zone to zones or fix the entry's zone.",
      );
    }
  });
  const warnings = checkVoterCount(voterZones.length, field);
  const quorum = quorumForPlacement(voterZones, zones);
  if (quorum.zoneFailuresTolerated > 0) return { quorum, warnings };
  if (!tolerateZoneFailure) {
    return { quorum, warnings: [...warnings, zoneFailureWarning(quorum, zones)] };
  }
  const minZones = minZonesForZoneFailure(quorum.voters);
  const fix =
    minZones === undefined
      ? "Use at least 3 voters in 3 different zones, or set tolerateZoneFailure: false for a dev cluster."
      : `Place at most ${quorum.quorumSize - 1} of them in any one zone (${quorum.voters} voters need at least ` +
        `${minZones} zones), or set tolerateZoneFailure: false to accept this.`;
  throw new TopologyError(field, `${describeZoneLoss(quorum, zones)}. ${fix}`);
}

/** The warning given instead of an error when zone failure is not required to be survivable. */
export function zoneFailureWarning(quorum: QuorumPlan, zones: string[]): string {
  return `tolerateZoneFailure: ${describeZoneLoss(quorum, zones)}; the cluster stops accepting writes until that zone is back.`;
}
