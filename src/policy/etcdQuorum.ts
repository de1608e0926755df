import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy/policy";
import { quorumForPlacement } from "../topology/quorum";
import type { QuorumPlan } from "../topology/types";
import { describeZoneLoss, minZonesForZoneFailure } from "../topology/zoneFailure";
import { describeResource, outermostComponents } from "./components";
import { configWithDefaults, readKnown } from "./config";

/** Configuration of {@link etcdQuorumZoneSafe}. */
export interface EtcdQuorumConfig {
  /** Zones that may be lost at once with etcd still writable; 0 accepts single-zone (dev) clusters. @default 1 */
  minZoneFailuresTolerated: number;
}

const DEFAULTS: EtcdQuorumConfig = { minZoneFailuresTolerated: 1 };

/** Where the voters of one cluster are, read from a component's outputs. */
interface VoterPlacement {
  /** Zone of each voter. */
  voterZones: string[];
  /** Every zone of the plan. */
  zones: string[];
}

/**
 * Every cluster's etcd voters are odd in number and survive losing a zone: read from the library components'
 * `plan` output (or `quorum.plan` for an `EtcdCluster` / `KubeadmControlPlane` used alone) and recomputed with the
 * same quorum arithmetic the components use, so a state edited by hand or written by an older version is caught too.
 */
export const etcdQuorumZoneSafe: StackValidationPolicy = {
  name: "k8s-ha-etcd-quorum-zone-safe",
  description: "Each cluster has an odd number of etcd voters, spread so that losing any one zone keeps quorum.",
  configSchema: {
    properties: {
      minZoneFailuresTolerated: {
        type: "integer",
        minimum: 0,
        default: DEFAULTS.minZoneFailuresTolerated,
        description: "Zones that may be lost at once with etcd still writable.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = configWithDefaults(DEFAULTS, args.getConfig);
    for (const component of outermostComponents(args.resources)) {
      const placement = readKnown(() => voterPlacement(component), undefined);
      if (!placement || placement.voterZones.length === 0) continue;
      const quorum = quorumForPlacement(placement.voterZones, placement.zones);
      const what = describeResource(component);
      if (quorum.voters % 2 === 0) {
        // the zone spread is judged once the count is odd: the fix for the count changes it
        reportViolation(`${what}: ${quorum.voters} etcd voters is even; an even count tolerates no more failures than one fewer. Use ${quorum.voters - 1} or ${quorum.voters + 1}.`, component.urn);
      } else if (quorum.zoneFailuresTolerated < config.minZoneFailuresTolerated) {
        reportViolation(`${what}: ${zoneMessage(quorum, placement.zones, config.minZoneFailuresTolerated)}`, component.urn);
      }
    }
  },
};

/** What is wrong with the zone spread, and the fix. */
function zoneMessage(quorum: QuorumPlan, zones: string[], required: number): string {
  if (required > 1 || quorum.zoneFailuresTolerated > 0) {
    return `etcd survives losing ${quorum.zoneFailuresTolerated} zone(s), the policy asks for ${required}. Spread the voters over more zones.`;
  }
  const minZones = minZonesForZoneFailure(quorum.voters);
  const fix =
    minZones === undefined
      ? "Use 3 voters over at least 3 zones"
      : `Place at most ${quorum.nodeFailuresTolerated} voters in any one zone (${quorum.voters} voters need at least ${minZones} zones)`;
  return `${describeZoneLoss(quorum, zones)}. ${fix}, or set minZoneFailuresTolerated: 0 for policy k8s-ha-etcd-quorum-zone-safe if this is a dev cluster.`;
}

/** The voters' zones from `plan` (the `TopologyPlan`) or, without it, `quorum.plan.votersPerZone`. */
function voterPlacement(component: PolicyResource): VoterPlacement | undefined {
  const plan = component.props.plan;
  if (plan && Array.isArray(plan.nodes) && Array.isArray(plan.zones)) {
    const voters = (plan.nodes as { zone: string; etcdVoter: boolean }[]).filter((node) => node.etcdVoter);
    const voterZones = voters.map((node) => node.zone);
    return { voterZones, zones: [...new Set([...(plan.zones as string[]), ...voterZones])] };
  }
  const perZone = component.props.quorum?.plan?.votersPerZone as Record<string, number> | undefined;
  if (!perZone || typeof perZone !== "object") return undefined;
  const zones = Object.keys(perZone);
  return { voterZones: zones.flatMap((zone) => Array<string>(Number(perZone[zone]) || 0).fill(zone)), zones };
}
