import { optionalBoolean, requirePositiveInteger, validateZones } from "./checks";
import { describeValue, plural } from "./describe";
import { TopologyError } from "./errors";
import { zoneFailureWarning } from "./placement";
import { quorumForPlacement } from "./quorum";
import { spreadRole, unevenSpreadWarning } from "./spread";
import type { EtcdTopology, TopologyArgs, TopologyPlan } from "./types";
import { checkVoterCount } from "./voters";
import { describeZoneLoss, minZonesForZoneFailure } from "./zoneFailure";

/** External etcd members when `etcdMemberCount` is not given. */
const DEFAULT_ETCD_MEMBERS = 3;

/**
 * Validates the topology arguments and plans every machine: which zone it goes to, which are etcd voters, the
 * quorum size and how many node and zone failures the cluster survives. Pure; throws a {@link TopologyError}
 * naming the argument at fault, so components call it before creating any child.
 */
export function planTopology(args: TopologyArgs): TopologyPlan {
  const zones = validateZones(args.zones);
  const etcdTopology = validateEtcdTopology(args.etcdTopology);
  const controlPlaneCount = requirePositiveInteger(args.controlPlaneCount, "controlPlaneCount", 3);
  const etcdMemberCount = validateEtcdMemberCount(args.etcdMemberCount, etcdTopology);
  const tolerateZoneFailure = optionalBoolean(args.tolerateZoneFailure, "tolerateZoneFailure", true);

  const stacked = etcdTopology === "stacked";
  const voterField = stacked ? "controlPlaneCount" : "etcdMemberCount";
  const warnings = checkVoterCount(stacked ? controlPlaneCount : etcdMemberCount, voterField);

  const controlPlanes = spreadRole("control-plane", controlPlaneCount, zones, stacked);
  const members = spreadRole("etcd", etcdMemberCount, zones, true);
  const voters = stacked ? controlPlanes : members;
  const quorum = quorumForPlacement(voters.map((node) => node.zone), zones);

  if (quorum.zoneFailuresTolerated === 0) {
    if (tolerateZoneFailure) throw zoneFailureError(quorum.voters, voterField, describeZoneLoss(quorum, zones));
    warnings.push(zoneFailureWarning(quorum, zones));
  }
  if (controlPlaneCount === 1) {
    warnings.push("controlPlaneCount: 1 control plane: the API server has no standby. Use 3 for high availability.");
  }
  if (zones.length > quorum.voters) {
    const empty = zones.filter((zone) => quorum.votersPerZone[zone] === 0);
    const which = empty.length === 1 ? `zone ${empty[0]} holds` : `zones ${empty.join(", ")} hold`;
    warnings.push(`zones: ${plural(zones.length, "zone")} for ${plural(quorum.voters, "etcd voter")}; ${which} no voter.`);
  }
  warnings.push(...unevenSpreadWarning(controlPlanes, zones, "controlPlaneCount", "control plane"));
  warnings.push(...unevenSpreadWarning(members, zones, "etcdMemberCount", "etcd member"));

  return { etcdTopology, zones: [...zones], nodes: [...controlPlanes, ...members], quorum, warnings };
}

/** Throws unless `value` is one of the two topologies. */
function validateEtcdTopology(value: unknown): EtcdTopology {
  if (value !== "stacked" && value !== "external") {
    throw new TopologyError("etcdTopology", `${describeValue(value)} is not a known topology. Use "stacked" or "external".`);
  }
  return value;
}

/** External members: a positive integer, default 3. Stacked: must not be given; 0 members. */
function validateEtcdMemberCount(value: unknown, etcdTopology: EtcdTopology): number {
  if (etcdTopology === "external") {
    return value === undefined ? DEFAULT_ETCD_MEMBERS : requirePositiveInteger(value, "etcdMemberCount", DEFAULT_ETCD_MEMBERS);
  }
  if (value !== undefined) {
    throw new TopologyError(
      "etcdMemberCount",
      `${describeValue(value)} only applies to etcdTopology "external"; with "stacked" the control planes are the ` +
        'etcd voters. Remove etcdMemberCount or set etcdTopology: "external".',
    );
  }
  return 0;
}

/** The error for a plan that loses quorum with one zone: blames the zones, or the voter count when zones cannot help. */
function zoneFailureError(voters: number, voterField: string, loss: string): TopologyError {
  const minZones = minZonesForZoneFailure(voters);
  if (minZones === undefined) {
    return new TopologyError(
      voterField,
      `${loss}. Use 3 voters over at least 3 zones, or set tolerateZoneFailure: false for a dev cluster.`,
    );
  }
  return new TopologyError(
    "zones",
    `${loss}. Use at least ${minZones} zones for ${voters} voters, or set tolerateZoneFailure: false to accept this.`,
  );
}
