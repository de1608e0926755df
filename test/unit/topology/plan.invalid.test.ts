import { planTopology, type TopologyArgs } from "../../../src/topology";
import { catchTopologyError } from "./helpers";

const base: TopologyArgs = { zones: ["a", "b", "c"], controlPlaneCount: 3, etcdTopology: "stacked" };
const external: TopologyArgs = { ...base, etcdTopology: "external" };
/** Lets a test pass what a JavaScript caller could. */
const loose = (args: Record<string, unknown>): TopologyArgs => args as unknown as TopologyArgs;

const NOT_ZONES = 'is not a list of zones. Give at least one zone, e.g. ["a", "b", "c"].';
const BAD_ZONE_NAME = "is not a valid zone name. Use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit.";
const notPositive = (field: string, shown: string, example = 3) =>
  `${field}: ${shown} is not a positive integer. Use a whole number such as ${example}.`;

const cases: Array<[string, TopologyArgs, string, string]> = [
  ["zones empty", { ...base, zones: [] }, "zones", 'zones: is empty. Give at least one zone, e.g. ["a", "b", "c"].'],
  ["zones missing", loose({ ...base, zones: undefined }), "zones", `zones: undefined ${NOT_ZONES}`],
  ["zones a string", loose({ ...base, zones: "a,b,c" }), "zones", `zones: "a,b,c" (a string) ${NOT_ZONES}`],
  ["zone empty string", { ...base, zones: [""] }, "zones", `zones: entry 0 ("") ${BAD_ZONE_NAME}`],
  ["zone duplicated", { ...base, zones: ["a", "a"] }, "zones", 'zones: "a" appears twice (entries 0 and 1). List each zone once.'],
  ["zone leading space", { ...base, zones: [" a"] }, "zones", 'zones: entry 0 (" a") has leading or trailing spaces. Use "a".'],
  ["zone trailing space", { ...base, zones: ["a", "b "] }, "zones", 'zones: entry 1 ("b ") has leading or trailing spaces. Use "b".'],
  ["zone upper case", { ...base, zones: ["us-east-1A"] }, "zones", `zones: entry 0 ("us-east-1A") ${BAD_ZONE_NAME}`],
  ["zone starts with dash", { ...base, zones: ["-a"] }, "zones", `zones: entry 0 ("-a") ${BAD_ZONE_NAME}`],
  ["zone 64 chars", { ...base, zones: ["a".repeat(64)] }, "zones", `zones: entry 0 ("${"a".repeat(64)}") ${BAD_ZONE_NAME}`],
  ["zone not a string", loose({ ...base, zones: ["a", 2] }), "zones", "zones: entry 1 (2) is not a string. Give zone names as strings."],
  ["controlPlaneCount 0", { ...base, controlPlaneCount: 0 }, "controlPlaneCount", notPositive("controlPlaneCount", "0")],
  ["controlPlaneCount -1", { ...base, controlPlaneCount: -1 }, "controlPlaneCount", notPositive("controlPlaneCount", "-1")],
  ["controlPlaneCount 2.5", { ...base, controlPlaneCount: 2.5 }, "controlPlaneCount", notPositive("controlPlaneCount", "2.5")],
  ["controlPlaneCount NaN", { ...base, controlPlaneCount: NaN }, "controlPlaneCount", notPositive("controlPlaneCount", "NaN")],
  ["controlPlaneCount Infinity", { ...base, controlPlaneCount: Infinity }, "controlPlaneCount", notPositive("controlPlaneCount", "Infinity")],
  ["controlPlaneCount string", loose({ ...base, controlPlaneCount: "3" }), "controlPlaneCount", notPositive("controlPlaneCount", '"3" (a string)')],
  ["controlPlaneCount missing", loose({ ...base, controlPlaneCount: undefined }), "controlPlaneCount", notPositive("controlPlaneCount", "undefined")],
  ["controlPlaneCount 4 stacked", { ...base, controlPlaneCount: 4 }, "controlPlaneCount", "controlPlaneCount: 4 is even; etcd needs an odd number of voters. Use 3 or 5."],
  ["controlPlaneCount 2 stacked", { ...base, controlPlaneCount: 2 }, "controlPlaneCount", "controlPlaneCount: 2 is even; etcd needs an odd number of voters. Use 1 or 3."],
  ["controlPlaneCount 8 stacked", { ...base, controlPlaneCount: 8 }, "controlPlaneCount", "controlPlaneCount: 8 is even; etcd needs an odd number of voters. Use 7 or 9."],
  [
    "controlPlaneCount 11 stacked",
    { ...base, controlPlaneCount: 11 },
    "controlPlaneCount",
    "controlPlaneCount: 11 etcd voters is too many; etcd recommends at most 7 (every write waits for a majority) and at most 9 are accepted. Use 3, 5 or 7.",
  ],
  [
    "controlPlaneCount 10 stacked",
    { ...base, controlPlaneCount: 10 },
    "controlPlaneCount",
    "controlPlaneCount: 10 etcd voters is too many; etcd recommends at most 7 (every write waits for a majority) and at most 9 are accepted. Use 3, 5 or 7.",
  ],
  ["etcdTopology Stacked", loose({ ...base, etcdTopology: "Stacked" }), "etcdTopology", 'etcdTopology: "Stacked" (a string) is not a known topology. Use "stacked" or "external".'],
  ["etcdTopology missing", loose({ ...base, etcdTopology: undefined }), "etcdTopology", 'etcdTopology: undefined is not a known topology. Use "stacked" or "external".'],
  [
    "etcdMemberCount with stacked",
    { ...base, etcdMemberCount: 3 },
    "etcdMemberCount",
    'etcdMemberCount: 3 only applies to etcdTopology "external"; with "stacked" the control planes are the etcd voters. Remove etcdMemberCount or set etcdTopology: "external".',
  ],
  ["etcdMemberCount 0", { ...external, etcdMemberCount: 0 }, "etcdMemberCount", notPositive("etcdMemberCount", "0")],
  ["etcdMemberCount -3", { ...external, etcdMemberCount: -3 }, "etcdMemberCount", notPositive("etcdMemberCount", "-3")],
  ["etcdMemberCount 1.5", { ...external, etcdMemberCount: 1.5 }, "etcdMemberCount", notPositive("etcdMemberCount", "1.5")],
  ["etcdMemberCount null", loose({ ...external, etcdMemberCount: null }), "etcdMemberCount", notPositive("etcdMemberCount", "null")],
  ["etcdMemberCount 4", { ...external, etcdMemberCount: 4 }, "etcdMemberCount", "etcdMemberCount: 4 is even; etcd needs an odd number of voters. Use 3 or 5."],
  [
    "etcdMemberCount 11",
    { ...external, etcdMemberCount: 11 },
    "etcdMemberCount",
    "etcdMemberCount: 11 etcd voters is too many; etcd recommends at most 7 (every write waits for a majority) and at most 9 are accepted. Use 3, 5 or 7.",
  ],
  ["controlPlaneCount 0 external", { ...external, controlPlaneCount: 0 }, "controlPlaneCount", notPositive("controlPlaneCount", "0")],
  ["tolerateZoneFailure yes", loose({ ...base, tolerateZoneFailure: "yes" }), "tolerateZoneFailure", 'tolerateZoneFailure: "yes" (a string) is not a boolean. Use true or false.'],
  ["tolerateZoneFailure 1", loose({ ...base, tolerateZoneFailure: 1 }), "tolerateZoneFailure", "tolerateZoneFailure: 1 is not a boolean. Use true or false."],
  [
    "3 voters over 2 zones",
    { ...base, zones: ["a", "b"] },
    "zones",
    "zones: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2. " +
      "Use at least 3 zones for 3 voters, or set tolerateZoneFailure: false to accept this.",
  ],
  [
    "5 voters over 2 zones",
    { ...base, zones: ["x", "y"], controlPlaneCount: 5 },
    "zones",
    "zones: 5 voters in 2 zones (x: 3, y: 2) do not survive losing a zone: losing zone x leaves 2 of 5 voters, below the quorum of 3. " +
      "Use at least 3 zones for 5 voters, or set tolerateZoneFailure: false to accept this.",
  ],
  [
    "3 voters in 1 zone",
    { ...base, zones: ["a"] },
    "zones",
    "zones: 3 voters in 1 zone (a: 3) do not survive losing a zone: losing zone a leaves 0 of 3 voters, below the quorum of 2. " +
      "Use at least 3 zones for 3 voters, or set tolerateZoneFailure: false to accept this.",
  ],
  [
    "1 voter over 3 zones: more zones cannot help",
    { ...base, controlPlaneCount: 1 },
    "controlPlaneCount",
    "controlPlaneCount: 1 voter in 1 zone (a: 1) does not survive losing a zone: losing zone a leaves 0 of 1 voter, below the quorum of 1. " +
      "Use 3 voters over at least 3 zones, or set tolerateZoneFailure: false for a dev cluster.",
  ],
  [
    "1 external etcd member",
    { ...external, etcdMemberCount: 1 },
    "etcdMemberCount",
    "etcdMemberCount: 1 voter in 1 zone (a: 1) does not survive losing a zone: losing zone a leaves 0 of 1 voter, below the quorum of 1. " +
      "Use 3 voters over at least 3 zones, or set tolerateZoneFailure: false for a dev cluster.",
  ],
  [
    "external etcd over 2 zones",
    { ...external, zones: ["a", "b"], controlPlaneCount: 2 },
    "zones",
    "zones: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone: losing zone a leaves 1 of 3 voters, below the quorum of 2. " +
      "Use at least 3 zones for 3 voters, or set tolerateZoneFailure: false to accept this.",
  ],
];

describe("planTopology rejects bad input", () => {
  it.each(cases)("%s", (_name, args, field, message) => {
    const error = catchTopologyError(() => planTopology(args));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it("has at least 30 bad inputs", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});
