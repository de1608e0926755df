import { validateClusterSettings, type ClusterSettingsArgs } from "../../../src/topology";
import { catchTopologyError } from "./helpers";

const loose = (args: Record<string, unknown>): ClusterSettingsArgs => args as unknown as ClusterSettingsArgs;
const BAD_NAME = "is not a valid name. Use lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit.";
const BAD_VERSION = 'is not a MAJOR.MINOR.PATCH version. Give a released version such as "1.34.2".';
const unsupported = (version: string) =>
  `kubernetesVersion: ${version} is not supported; supported versions are 1.31.0 up to but not including 1.36.0 ` +
  `(kubeadm's v1beta4 configuration needs 1.31 or later). Use e.g. "1.34.2".`;
const NOT_CIDR = 'is not an IPv4 CIDR. Write it as a.b.c.d/prefix, e.g. "10.0.0.0/16".';
const NO_PORT = "is not a TCP port. Use an integer from 1 to 65535.";

describe("validateClusterSettings", () => {
  it("fills every default and derives the minor version and the kubernetes service IP", () => {
    expect(validateClusterSettings({ clusterName: "prod" })).toEqual({
      clusterName: "prod",
      kubernetesVersion: "1.34.2",
      kubernetesMinor: "1.34",
      podSubnet: "10.244.0.0/16",
      serviceSubnet: "10.96.0.0/12",
      nodeSubnets: [],
      apiServerPort: 6443,
      kubernetesApiServiceIp: "10.96.0.1",
    });
  });

  it("keeps given values, drops a leading v and derives from them", () => {
    expect(
      validateClusterSettings({
        clusterName: "a1-b2",
        kubernetesVersion: "v1.31.0",
        podSubnet: "192.168.0.0/18",
        serviceSubnet: "172.20.0.0/16",
        nodeSubnets: ["10.0.0.0/24", "10.0.1.0/24"],
        apiServerPort: 443,
      }),
    ).toEqual({
      clusterName: "a1-b2",
      kubernetesVersion: "1.31.0",
      kubernetesMinor: "1.31",
      podSubnet: "192.168.0.0/18",
      serviceSubnet: "172.20.0.0/16",
      nodeSubnets: ["10.0.0.0/24", "10.0.1.0/24"],
      apiServerPort: 443,
      kubernetesApiServiceIp: "172.20.0.1",
    });
  });

  it.each([
    ["v1.34.2", "1.34.2", "1.34"],
    ["1.35.99", "1.35.99", "1.35"],
    ["1.31.0", "1.31.0", "1.31"],
  ])("accepts version %s", (given, version, minor) => {
    const settings = validateClusterSettings({ clusterName: "c", kubernetesVersion: given });
    expect([settings.kubernetesVersion, settings.kubernetesMinor]).toEqual([version, minor]);
  });

  it("accepts a 40-character name and the bounds of every range", () => {
    const settings = validateClusterSettings({
      clusterName: "a".repeat(40),
      podSubnet: "10.0.0.0/8",
      serviceSubnet: "172.16.0.0/24",
      nodeSubnets: ["192.168.0.0/29"],
      apiServerPort: 65535,
    });
    expect(settings.kubernetesApiServiceIp).toBe("172.16.0.1");
    expect(validateClusterSettings({ clusterName: "b", podSubnet: "10.0.0.0/24", serviceSubnet: "10.16.0.0/12", apiServerPort: 1 }).apiServerPort).toBe(1);
  });

  const bad: Array<[string, ClusterSettingsArgs, string, string]> = [
    ["empty name", { clusterName: "" }, "clusterName", `clusterName: "" (a string) ${BAD_NAME}`],
    ["upper-case name", { clusterName: "Prod" }, "clusterName", `clusterName: "Prod" (a string) ${BAD_NAME}`],
    ["name starting with a digit", { clusterName: "1prod" }, "clusterName", `clusterName: "1prod" (a string) ${BAD_NAME}`],
    ["name ending with a dash", { clusterName: "prod-" }, "clusterName", `clusterName: "prod-" (a string) ${BAD_NAME}`],
    ["name with a dot", { clusterName: "prod.eu" }, "clusterName", `clusterName: "prod.eu" (a string) ${BAD_NAME}`],
    ["name missing", loose({}), "clusterName", `clusterName: undefined ${BAD_NAME}`],
    [
      "name of 41 characters",
      { clusterName: "a".repeat(41) },
      "clusterName",
      `clusterName: "${"a".repeat(41)}" is 41 characters long; at most 40 leave room for suffixes. Use a shorter name.`,
    ],
    ["version 1.30.0", { clusterName: "c", kubernetesVersion: "1.30.0" }, "kubernetesVersion", unsupported("1.30.0")],
    ["version 1.36.0", { clusterName: "c", kubernetesVersion: "1.36.0" }, "kubernetesVersion", unsupported("1.36.0")],
    ["version 2.0.0", { clusterName: "c", kubernetesVersion: "2.0.0" }, "kubernetesVersion", unsupported("2.0.0")],
    ["version without patch", { clusterName: "c", kubernetesVersion: "1.34" }, "kubernetesVersion", `kubernetesVersion: "1.34" (a string) ${BAD_VERSION}`],
    ["pre-release version", { clusterName: "c", kubernetesVersion: "1.34.0-rc.1" }, "kubernetesVersion", `kubernetesVersion: "1.34.0-rc.1" (a string) ${BAD_VERSION}`],
    ["version with leading zero", { clusterName: "c", kubernetesVersion: "1.034.2" }, "kubernetesVersion", `kubernetesVersion: "1.034.2" (a string) ${BAD_VERSION}`],
    ["version V1.34.2", { clusterName: "c", kubernetesVersion: "V1.34.2" }, "kubernetesVersion", `kubernetesVersion: "V1.34.2" (a string) ${BAD_VERSION}`],
    ["version a number", loose({ clusterName: "c", kubernetesVersion: 1.34 }), "kubernetesVersion", `kubernetesVersion: 1.34 ${BAD_VERSION}`],
    ["pod subnet not a CIDR", { clusterName: "c", podSubnet: "10.244.0.0" }, "podSubnet", `podSubnet: "10.244.0.0" (a string) ${NOT_CIDR}`],
    ["pod subnet prefix 33", { clusterName: "c", podSubnet: "10.244.0.0/33" }, "podSubnet", `podSubnet: "10.244.0.0/33" (a string) ${NOT_CIDR}`],
    ["pod subnet octet 256", { clusterName: "c", podSubnet: "10.256.0.0/16" }, "podSubnet", `podSubnet: "10.256.0.0/16" (a string) ${NOT_CIDR}`],
    [
      "pod subnet with host bits",
      { clusterName: "c", podSubnet: "10.244.1.0/16" },
      "podSubnet",
      'podSubnet: "10.244.1.0/16" has host bits set. Use the canonical form "10.244.0.0/16".',
    ],
    ["pod subnet /25", { clusterName: "c", podSubnet: "10.244.0.0/25" }, "podSubnet", 'podSubnet: "10.244.0.0/25" is too small. Use a prefix between /8 and /24.'],
    ["pod subnet /7", { clusterName: "c", podSubnet: "10.0.0.0/7" }, "podSubnet", 'podSubnet: "10.0.0.0/7" is too large. Use a prefix between /8 and /24.'],
    ["service subnet /11", { clusterName: "c", serviceSubnet: "10.96.0.0/11" }, "serviceSubnet", 'serviceSubnet: "10.96.0.0/11" is too large. Use a prefix between /12 and /24.'],
    ["service subnet /25", { clusterName: "c", serviceSubnet: "10.96.0.0/25" }, "serviceSubnet", 'serviceSubnet: "10.96.0.0/25" is too small. Use a prefix between /12 and /24.'],
    [
      "service subnet with host bits",
      { clusterName: "c", serviceSubnet: "10.96.0.1/12" },
      "serviceSubnet",
      'serviceSubnet: "10.96.0.1/12" has host bits set. Use the canonical form "10.96.0.0/12".',
    ],
    [
      "service subnet inside the pod subnet",
      { clusterName: "c", podSubnet: "10.0.0.0/8", serviceSubnet: "10.96.0.0/12" },
      "serviceSubnet",
      'serviceSubnet: "10.96.0.0/12" overlaps podSubnet "10.0.0.0/8". Choose ranges that share no address.',
    ],
    [
      "node subnet inside the pod subnet",
      { clusterName: "c", nodeSubnets: ["192.168.0.0/24", "10.244.3.0/24"] },
      "nodeSubnets",
      'nodeSubnets: entry 1 "10.244.3.0/24" overlaps podSubnet "10.244.0.0/16". Choose ranges that share no address.',
    ],
    [
      "node subnet covering the service subnet",
      { clusterName: "c", nodeSubnets: ["10.64.0.0/10"] },
      "nodeSubnets",
      'nodeSubnets: entry 0 "10.64.0.0/10" overlaps serviceSubnet "10.96.0.0/12". Choose ranges that share no address.',
    ],
    [
      "node subnets overlapping each other",
      { clusterName: "c", nodeSubnets: ["172.16.0.0/16", "172.16.8.0/24"] },
      "nodeSubnets",
      'nodeSubnets: entry 1 "172.16.8.0/24" overlaps nodeSubnets entry 0 "172.16.0.0/16". Choose ranges that share no address.',
    ],
    ["node subnet not a CIDR", { clusterName: "c", nodeSubnets: ["10.0.0.0/24", "x"] }, "nodeSubnets", `nodeSubnets: entry 1 "x" (a string) ${NOT_CIDR}`],
    [
      "node subnet with host bits",
      { clusterName: "c", nodeSubnets: ["10.0.0.5/24"] },
      "nodeSubnets",
      'nodeSubnets: entry 0 "10.0.0.5/24" has host bits set. Use the canonical form "10.0.0.0/24".',
    ],
    ["node subnet /30", { clusterName: "c", nodeSubnets: ["10.0.0.0/30"] }, "nodeSubnets", 'nodeSubnets: entry 0 "10.0.0.0/30" is too small. Use a prefix between /8 and /29.'],
    [
      "node subnets a string",
      loose({ clusterName: "c", nodeSubnets: "10.0.0.0/24" }),
      "nodeSubnets",
      'nodeSubnets: "10.0.0.0/24" (a string) is not a list. Give a list of IPv4 CIDRs, e.g. ["10.0.0.0/24"].',
    ],
    ["port 0", { clusterName: "c", apiServerPort: 0 }, "apiServerPort", `apiServerPort: 0 ${NO_PORT}`],
    ["port 65536", { clusterName: "c", apiServerPort: 65536 }, "apiServerPort", `apiServerPort: 65536 ${NO_PORT}`],
    ["port 6443.5", { clusterName: "c", apiServerPort: 6443.5 }, "apiServerPort", `apiServerPort: 6443.5 ${NO_PORT}`],
    ["port NaN", { clusterName: "c", apiServerPort: NaN }, "apiServerPort", `apiServerPort: NaN ${NO_PORT}`],
    ["port a string", loose({ clusterName: "c", apiServerPort: "6443" }), "apiServerPort", `apiServerPort: "6443" (a string) ${NO_PORT}`],
  ];

  it.each(bad)("rejects %s", (_name, args, field, message) => {
    const error = catchTopologyError(() => validateClusterSettings(args));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it("has at least 30 bad inputs", () => {
    expect(bad.length).toBeGreaterThanOrEqual(30);
  });
});
