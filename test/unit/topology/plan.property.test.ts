import { planTopology, quorumForPlacement, type TopologyPlan } from "../../../src/topology";

const ZONE_NAMES = ["z0", "z1", "z2", "z3", "z4", "z5"];

/** Brute force: largest k such that every set of k zones, when lost, leaves at least a quorum. */
function bruteForceZoneFailures(perZone: number[], quorumSize: number): number {
  const total = perZone.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let k = 1; k <= perZone.length; k++) {
    let survivesAll = true;
    for (let subset = 0; subset < 1 << perZone.length; subset++) {
      if (popcount(subset) !== k) continue;
      const lost = perZone.reduce((sum, count, i) => sum + (subset & (1 << i) ? count : 0), 0);
      if (total - lost < quorumSize) survivesAll = false;
    }
    if (!survivesAll) break;
    best = k;
  }
  return best;
}

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest; rest >>= 1) count += rest & 1;
  return count;
}

function spreadOk(plan: TopologyPlan, role: string): boolean {
  const counts = plan.zones.map((zone) => plan.nodes.filter((n) => n.role === role && n.zone === zone).length);
  return Math.max(...counts) - Math.min(...counts) <= 1;
}

const grid: Array<[number, number]> = [];
for (const voters of [1, 3, 5, 7, 9]) for (let zones = 1; zones <= 6; zones++) grid.push([voters, zones]);

describe("planTopology properties", () => {
  it.each(grid)("%i stacked voters over %i zones", (voters, zoneCount) => {
    const zones = ZONE_NAMES.slice(0, zoneCount);
    const plan = planTopology({ zones, controlPlaneCount: voters, etcdTopology: "stacked", tolerateZoneFailure: false });
    const perZone = zones.map((zone) => plan.quorum.votersPerZone[zone]);

    expect(plan.nodes).toHaveLength(voters);
    expect(spreadOk(plan, "control-plane")).toBe(true);
    expect(perZone.reduce((a, b) => a + b, 0)).toBe(voters);
    expect(plan.quorum.quorumSize).toBe(Math.floor(voters / 2) + 1);
    expect(plan.quorum.nodeFailuresTolerated).toBe(voters - plan.quorum.quorumSize);
    expect(plan.quorum.zoneFailuresTolerated).toBe(bruteForceZoneFailures(perZone, plan.quorum.quorumSize));

    // With the default tolerateZoneFailure the plan is accepted exactly when it survives one zone.
    const strict = () => planTopology({ zones, controlPlaneCount: voters, etcdTopology: "stacked" });
    if (plan.quorum.zoneFailuresTolerated >= 1) expect(strict().quorum).toEqual(plan.quorum);
    else expect(strict).toThrow(/(do|does) not survive losing a zone/);
  });

  it.each(grid)("external: 2 control planes + %i etcd members over %i zones", (members, zoneCount) => {
    const zones = ZONE_NAMES.slice(0, zoneCount);
    const plan = planTopology({
      zones,
      controlPlaneCount: 2,
      etcdTopology: "external",
      etcdMemberCount: members,
      tolerateZoneFailure: false,
    });
    expect(plan.nodes.filter((n) => n.etcdVoter).map((n) => n.role)).toEqual(Array(members).fill("etcd"));
    expect(spreadOk(plan, "control-plane")).toBe(true);
    expect(spreadOk(plan, "etcd")).toBe(true);
    const perZone = zones.map((zone) => plan.quorum.votersPerZone[zone]);
    expect(plan.quorum.zoneFailuresTolerated).toBe(bruteForceZoneFailures(perZone, plan.quorum.quorumSize));
  });

  it("quorumForPlacement agrees with brute force on arbitrary placements", () => {
    // Every placement of 1..7 (odd) voters over 4 zones, enumerated as base-4 digits.
    const zones = ["a", "b", "c", "d"];
    let checked = 0;
    for (const voters of [1, 3, 5, 7]) {
      for (let code = 0; code < 4 ** voters; code++) {
        const voterZones = Array.from({ length: voters }, (_, i) => zones[Math.floor(code / 4 ** i) % 4]);
        const quorum = quorumForPlacement(voterZones, zones);
        const perZone = zones.map((zone) => quorum.votersPerZone[zone]);
        expect(quorum.zoneFailuresTolerated).toBe(bruteForceZoneFailures(perZone, quorum.quorumSize));
        checked++;
      }
    }
    expect(checked).toBe(4 + 64 + 1024 + 16384);
  });
});
