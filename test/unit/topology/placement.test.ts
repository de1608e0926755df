import { quorumForPlacement, validatePlacement } from "../../../src/topology";
import { catchTopologyError } from "./helpers";

describe("quorumForPlacement", () => {
  it("counts voters per zone, including empty zones, in the order of the zones", () => {
    expect(quorumForPlacement(["b", "a", "b"], ["a", "b", "c"])).toEqual({
      voters: 3,
      quorumSize: 2,
      nodeFailuresTolerated: 1,
      zoneFailuresTolerated: 0,
      votersPerZone: { a: 1, b: 2, c: 0 },
    });
  });

  it("treats zones without voters as free to lose", () => {
    expect(quorumForPlacement(["a", "b", "c"], ["a", "b", "c", "d", "e", "f"]).zoneFailuresTolerated).toBe(1);
    expect(quorumForPlacement(["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"]).zoneFailuresTolerated).toBe(2);
  });

  it("rejects a voter in a zone that is not listed", () => {
    const error = catchTopologyError(() => quorumForPlacement(["a", "x"], ["a", "b"]));
    expect(error.field).toBe("zones");
    expect(error.message).toBe('zones: voter zone "x" is not one of the zones given (a, b). Add it to the zones or place the voter in one of them.');
  });
});

describe("validatePlacement", () => {
  it("accepts a placement that survives one zone", () => {
    expect(validatePlacement(["a", "b", "c", "a", "b"], ["a", "b", "c"], true, "controlPlaneHosts")).toEqual({
      quorum: { voters: 5, quorumSize: 3, nodeFailuresTolerated: 2, zoneFailuresTolerated: 1, votersPerZone: { a: 2, b: 2, c: 1 } },
      warnings: [],
    });
  });

  it("accepts a zone-fragile placement with a warning when tolerateZoneFailure is false", () => {
    const check = validatePlacement(["a", "a", "b"], ["a", "b", "c"], false, "controlPlaneHosts");
    expect(check.quorum.zoneFailuresTolerated).toBe(0);
    expect(check.warnings).toEqual([
      "tolerateZoneFailure: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2; the cluster stops accepting writes until that zone is back.",
    ]);
  });

  const bad: Array<[string, string[], string[], string, string]> = [
    [
      "two of three voters in one zone, though three zones exist",
      ["a", "a", "b"],
      ["a", "b", "c"],
      "controlPlaneHosts",
      "controlPlaneHosts: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2. " +
        "Place at most 1 of them in any one zone (3 voters need at least 3 zones), or set tolerateZoneFailure: false to accept this.",
    ],
    [
      "five voters with three in one zone",
      ["c", "c", "c", "a", "b"],
      ["a", "b", "c"],
      "etcdHosts",
      "etcdHosts: 5 voters in 3 zones (a: 1, b: 1, c: 3) do not survive losing a zone: losing zone c leaves 2 of 5 voters, below the quorum of 3. " +
        "Place at most 2 of them in any one zone (5 voters need at least 3 zones), or set tolerateZoneFailure: false to accept this.",
    ],
    [
      "a single voter",
      ["a"],
      ["a", "b", "c"],
      "controlPlaneHosts",
      "controlPlaneHosts: 1 voter in 1 zone (a: 1) does not survive losing a zone: losing zone a leaves 0 of 1 voter, below the quorum of 1. " +
        "Use at least 3 voters in 3 different zones, or set tolerateZoneFailure: false for a dev cluster.",
    ],
    ["no voters", [], ["a"], "controlPlaneHosts", "controlPlaneHosts: has no etcd voters. Give at least one, or 3 in 3 different zones for high availability."],
    ["even voters", ["a", "b", "c", "a"], ["a", "b", "c"], "controlPlaneHosts", "controlPlaneHosts: 4 is even; etcd needs an odd number of voters. Use 3 or 5."],
    [
      "unknown zone",
      ["a", "b", "z"],
      ["a", "b", "c"],
      "controlPlaneHosts",
      'controlPlaneHosts: entry 2 is in zone "z", which is not one of the zones (a, b, c). Add the zone to zones or fix the entry\'s zone.',
    ],
    ["bad zones list", ["a"], [], "zones", 'zones: is empty. Give at least one zone, e.g. ["a", "b", "c"].'],
  ];

  // The expected field is the one passed in, except for a bad zones list, which is blamed on `zones`.
  it.each(bad)("rejects %s", (_name, voterZones, zones, field, message) => {
    const error = catchTopologyError(() => validatePlacement(voterZones, zones, true, field === "zones" ? "controlPlaneHosts" : field));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });
});
