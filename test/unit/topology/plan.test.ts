import { planTopology, type PlannedNode } from "../../../src/topology";

const cp = (index: number, zone: string, etcdVoter = true): PlannedNode => ({
  name: `cp-${index}`,
  role: "control-plane",
  zone,
  index,
  etcdVoter,
});
const etcd = (index: number, zone: string): PlannedNode => ({ name: `etcd-${index}`, role: "etcd", zone, index, etcdVoter: true });

describe("planTopology plans", () => {
  it("3 stacked control planes over 3 zones: one per zone, survives one zone", () => {
    expect(planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 3, etcdTopology: "stacked" })).toEqual({
      etcdTopology: "stacked",
      zones: ["a", "b", "c"],
      nodes: [cp(0, "a"), cp(1, "b"), cp(2, "c")],
      quorum: { voters: 3, quorumSize: 2, nodeFailuresTolerated: 1, zoneFailuresTolerated: 1, votersPerZone: { a: 1, b: 1, c: 1 } },
      warnings: [],
    });
  });

  it("5 over 3 zones (2,2,1): losing a 2-zone leaves 3 = quorum, so one zone", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 5, etcdTopology: "stacked" });
    expect(plan.nodes).toEqual([cp(0, "a"), cp(1, "b"), cp(2, "c"), cp(3, "a"), cp(4, "b")]);
    expect(plan.quorum).toEqual({
      voters: 5,
      quorumSize: 3,
      nodeFailuresTolerated: 2,
      zoneFailuresTolerated: 1,
      votersPerZone: { a: 2, b: 2, c: 1 },
    });
    expect(plan.warnings).toEqual(["controlPlaneCount: 5 control planes do not divide evenly over 3 zones (a: 2, b: 2, c: 1)."]);
  });

  it("5 over 5 zones survives two zones", () => {
    const plan = planTopology({ zones: ["a", "b", "c", "d", "e"], controlPlaneCount: 5, etcdTopology: "stacked" });
    expect(plan.quorum.zoneFailuresTolerated).toBe(2);
    expect(plan.quorum.nodeFailuresTolerated).toBe(2);
    expect(plan.warnings).toEqual([]);
  });

  it("7 over 3 zones (3,2,2) survives one zone, not two, and warns about latency", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 7, etcdTopology: "stacked" });
    expect(plan.quorum).toEqual({
      voters: 7,
      quorumSize: 4,
      nodeFailuresTolerated: 3,
      zoneFailuresTolerated: 1,
      votersPerZone: { a: 3, b: 2, c: 2 },
    });
    expect(plan.warnings).toEqual([
      "controlPlaneCount: 7 etcd voters make every write wait for 4 of them; expect higher write latency than with 5 (etcd recommends at most 7).",
      "controlPlaneCount: 7 control planes do not divide evenly over 3 zones (a: 3, b: 2, c: 2).",
    ]);
  });

  it("9 voters are accepted with a warning", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 9, etcdTopology: "stacked" });
    expect(plan.quorum.quorumSize).toBe(5);
    expect(plan.warnings).toEqual([
      "controlPlaneCount: 9 etcd voters make every write wait for 5 of them; expect higher write latency than with 5 (etcd recommends at most 7).",
    ]);
  });

  it("external: 3 control planes + 5 etcd members, each role starting at the first zone", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 3, etcdTopology: "external", etcdMemberCount: 5 });
    expect(plan.nodes).toEqual([
      cp(0, "a", false),
      cp(1, "b", false),
      cp(2, "c", false),
      etcd(0, "a"),
      etcd(1, "b"),
      etcd(2, "c"),
      etcd(3, "a"),
      etcd(4, "b"),
    ]);
    expect(plan.quorum).toEqual({
      voters: 5,
      quorumSize: 3,
      nodeFailuresTolerated: 2,
      zoneFailuresTolerated: 1,
      votersPerZone: { a: 2, b: 2, c: 1 },
    });
    expect(plan.warnings).toEqual(["etcdMemberCount: 5 etcd members do not divide evenly over 3 zones (a: 2, b: 2, c: 1)."]);
  });

  it("external etcd defaults to 3 members and allows an even number of control planes", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 2, etcdTopology: "external" });
    expect(plan.nodes.map((node) => `${node.name}@${node.zone}`)).toEqual(["cp-0@a", "cp-1@b", "etcd-0@a", "etcd-1@b", "etcd-2@c"]);
    expect(plan.quorum.voters).toBe(3);
    expect(plan.warnings).toEqual([]);
  });

  it("external etcd with 1 control plane warns that the API server has no standby", () => {
    const plan = planTopology({ zones: ["a", "b", "c"], controlPlaneCount: 1, etcdTopology: "external" });
    expect(plan.quorum.zoneFailuresTolerated).toBe(1);
    expect(plan.warnings).toEqual(["controlPlaneCount: 1 control plane: the API server has no standby. Use 3 for high availability."]);
  });

  it("3 voters over 2 zones is accepted with warnings when tolerateZoneFailure is false", () => {
    const plan = planTopology({ zones: ["a", "b"], controlPlaneCount: 3, etcdTopology: "stacked", tolerateZoneFailure: false });
    expect(plan.nodes).toEqual([cp(0, "a"), cp(1, "b"), cp(2, "a")]);
    expect(plan.quorum).toEqual({
      voters: 3,
      quorumSize: 2,
      nodeFailuresTolerated: 1,
      zoneFailuresTolerated: 0,
      votersPerZone: { a: 2, b: 1 },
    });
    expect(plan.warnings).toEqual([
      "tolerateZoneFailure: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2; the cluster stops accepting writes until that zone is back.",
      "controlPlaneCount: 3 control planes do not divide evenly over 2 zones (a: 2, b: 1).",
    ]);
  });

  it("a single-node dev cluster in one zone is accepted with tolerateZoneFailure false", () => {
    const plan = planTopology({ zones: ["dev"], controlPlaneCount: 1, etcdTopology: "stacked", tolerateZoneFailure: false });
    expect(plan).toEqual({
      etcdTopology: "stacked",
      zones: ["dev"],
      nodes: [cp(0, "dev")],
      quorum: { voters: 1, quorumSize: 1, nodeFailuresTolerated: 0, zoneFailuresTolerated: 0, votersPerZone: { dev: 1 } },
      warnings: [
        "tolerateZoneFailure: 1 voter in 1 zone (dev: 1) does not survive losing a zone: losing zone dev leaves 0 of 1 voter, below the quorum of 1; the cluster stops accepting writes until that zone is back.",
        "controlPlaneCount: 1 control plane: the API server has no standby. Use 3 for high availability.",
      ],
    });
  });

  it("warns about zones holding no voter when there are more zones than voters", () => {
    const plan = planTopology({ zones: ["a", "b", "c", "d", "e"], controlPlaneCount: 3, etcdTopology: "stacked" });
    expect(plan.quorum.votersPerZone).toEqual({ a: 1, b: 1, c: 1, d: 0, e: 0 });
    expect(plan.quorum.zoneFailuresTolerated).toBe(1);
    expect(plan.warnings).toEqual(["zones: 5 zones for 3 etcd voters; zones d, e hold no voter."]);
  });

  it("names a single empty zone in the singular", () => {
    const plan = planTopology({ zones: ["a", "b", "c", "d"], controlPlaneCount: 3, etcdTopology: "stacked" });
    expect(plan.warnings).toEqual(["zones: 4 zones for 3 etcd voters; zone d holds no voter."]);
  });

  it("accepts real cloud zone names and returns a copy of the zones", () => {
    const zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    const plan = planTopology({ zones, controlPlaneCount: 3, etcdTopology: "stacked", tolerateZoneFailure: true });
    expect(plan.zones).toEqual(zones);
    expect(plan.zones).not.toBe(zones);
    expect(plan.quorum.votersPerZone).toEqual({ "us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1 });
  });
});
