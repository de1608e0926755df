import { refusalsDuring } from "../../../src/testing";
import * as pulumi from "@pulumi/pulumi";
import { BASE_ARGS, installGcpMocks, outputValue, Recorder, settle, T } from "./support";

let rec: Recorder;
let gcp: typeof import("../../../src/gcp");
let ArgumentError: typeof import("../../../src/cluster/argumentError").ArgumentError;
const twoZones = { "gcp:compute/getZones:getZones": () => ({ names: ["europe-west1-c", "europe-west1-b"] }) };

beforeAll(async () => {
  rec = await installGcpMocks(false, twoZones);
  gcp = await import("../../../src/gcp");
  ({ ArgumentError } = await import("../../../src/cluster/argumentError"));
});
beforeEach(() => rec.resources.splice(0));

const ZONES = ["europe-west1-b", "europe-west1-c", "europe-west1-d"];

const cases: [string, Record<string, unknown>, string, string][] = [
  ["bad cluster name", { clusterName: "Demo" }, "clusterName", 'clusterName: "Demo" (a string) is not a valid name.'],
  ["even control planes", { controlPlaneCount: 2, zones: ZONES }, "controlPlaneCount", "controlPlaneCount: 2 is even;"],
  ["unknown topology", { etcdTopology: "sidecar", zones: ZONES }, "etcdTopology", 'etcdTopology: "sidecar" (a string) is not a known topology.'],
  ["zones and zoneCount", { zones: ZONES, zoneCount: 3 }, "zoneCount", "zoneCount: is given together with zones."],
  ["zone outside the region", { zones: ["europe-west1-b", "us-east1-b", "europe-west1-d"] }, "zones", 'zones: entry 1 ("us-east1-b") is not in region "europe-west1".'],
  ["one zone with zone tolerance", { zoneCount: 1 }, "zoneCount", "zoneCount: "],
  ["no region", { region: undefined }, "region", "region: is not set."],
  ["bad region", { region: "Europe" }, "region", 'region: "Europe" (a string) is not a region name.'],
  ["no admin ranges", { adminCidrs: [] }, "adminCidrs", "adminCidrs: is empty."],
  ["SSH open to the world", { adminCidrs: ["0.0.0.0/0"] }, "adminCidrs", 'adminCidrs: entry 0 "0.0.0.0/0" opens SSH to the whole internet.'],
  ["SSH open to the world in quarters", { adminCidrs: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"] }, "adminCidrs", "together cover the whole internet"],
  ["bad API range", { apiAllowedCidrs: ["10.0.0.1/8"] }, "apiAllowedCidrs", 'apiAllowedCidrs: entry 0 "10.0.0.1/8" has host bits set. Use "10.0.0.0/8".'],
  ["bad scheme", { apiLoadBalancerScheme: "public" }, "apiLoadBalancerScheme", 'apiLoadBalancerScheme: "public" (a string) is not a scheme.'],
  ["network without subnetwork", { network: "vpc" }, "subnetwork", "subnetwork: is missing while network is given."],
  ["subnetCidr with a network", { network: "vpc", subnetwork: "sub", subnetCidr: "10.1.0.0/24" }, "subnetCidr", "subnetCidr: only applies"],
  ["subnet overlapping pods", { subnetCidr: "10.244.1.0/24" }, "subnetCidr", 'subnetCidr: "10.244.1.0/24" overlaps podSubnet "10.244.0.0/16".'],
  ["private key without public key", { sshPrivateKey: "secret" }, "sshPublicKey", "sshPublicKey: is missing while sshPrivateKey is given."],
  ["malformed public key", { sshPublicKey: "not a key", sshPrivateKey: "x" }, "sshPublicKey", 'sshPublicKey: "not a key" (a string) is not one OpenSSH public key line.'],
  ["two rolled nodes", { rollNodes: ["cp-0", "cp-1"] }, "rollNodes", "rollNodes: names 2 nodes;"],
  ["unknown rolled node", { rollNodes: ["cp-9"] }, "rollNodes", 'rollNodes: entry 0 ("cp-9" (a string)) is not a planned node. Use one of cp-0, cp-1, cp-2.'],
  ["tiny disk", { bootDiskSizeGiB: 5 }, "bootDiskSizeGiB", "bootDiskSizeGiB: 5 is not an integer from 20 to 65536."],
  ["bad machine type", { controlPlaneMachineType: "E2 Standard" }, "controlPlaneMachineType", 'controlPlaneMachineType: "E2 Standard" (a string) is not a machine type name.'],
  ["control plane with 1 vCPU", { controlPlaneMachineType: "n1-standard-1" }, "controlPlaneMachineType", "controlPlaneMachineType: n1-standard-1 has 1 vCPU, below kubeadm's minimum for a control plane"],
  ["control plane custom type short of memory", { controlPlaneMachineType: "custom-2-1536" }, "controlPlaneMachineType", "custom-2-1536 has 2 vCPU(s) and 1536 MB, below kubeadm's minimum"],
  ["control plane e2-micro", { controlPlaneMachineType: "e2-micro" }, "controlPlaneMachineType", "e2-micro has less than 1700 MB of memory or 1 shared vCPU"],
  ["bad label", { labels: { Team: "x" } }, "labels", '"Team": "x" (a string) is not a GCP label.'],
  ["bad Kubernetes version", { kubernetesVersion: "1.20.0" }, "kubernetesVersion", "kubernetesVersion: "],
  // Checked by src/cloud/validate.ts, with the same messages as on AWS.
  ["bad CNI URL", { cniManifestUrl: "calico.yaml" }, "cniManifestUrl", 'cniManifestUrl: "calico.yaml" (a string) is not an http(s) URL. Give a manifest URL, or "" to skip the CNI.'],
  ["SANs not a list", { extraCertSans: "api.example.com" }, "extraCertSans", 'extraCertSans: "api.example.com" (a string) is not a list.'],
  ["zero gate timeout", { gateTimeoutSeconds: 0 }, "gateTimeoutSeconds", "gateTimeoutSeconds: 0 is not a positive integer. Use a whole number such as 600."],
  ["fractional host timeout", { hostReadyTimeoutMinutes: 1.5 }, "hostReadyTimeoutMinutes", "hostReadyTimeoutMinutes: 1.5 is not a positive integer. Use a whole number such as 20."],
  ["certificate report as text", { reportCertificateExpiry: "yes" }, "reportCertificateExpiry", 'reportCertificateExpiry: "yes" is not a boolean. Use true or false.'],
  ["fractional worker token TTL", { workerJoinTokenTtlHours: 1.5 }, "workerJoinTokenTtlHours", "workerJoinTokenTtlHours: 1.5 is not a whole number of hours from 1 to 8760. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join."],
  ["non-boolean zone tolerance", { tolerateZoneFailure: "yes" }, "tolerateZoneFailure", 'tolerateZoneFailure: "yes" (a string) is not a boolean. Use true or false.'],
];

describe("bad arguments throw an ArgumentError naming the field, before any child", () => {
  test.each(cases)("%s", async (_title, extra, field, message) => {
    let thrown: unknown;
    try {
      new gcp.HaControlPlane("bad", { ...BASE_ARGS, ...extra } as any);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ArgumentError);
    expect((thrown as InstanceType<typeof ArgumentError>).field).toBe(field);
    expect((thrown as Error).message.startsWith(`HaControlPlane bad: ${field}: `)).toBe(true);
    expect((thrown as Error).message).toContain(message);
    await settle(rec, 50);
    expect(rec.resources).toEqual([]);
  });

  test.each([
    ["an empty CNI URL (skips the CNI)", { cniManifestUrl: "" }],
    ["positive timeouts", { gateTimeoutSeconds: 30, hostReadyTimeoutMinutes: 5 }],
  ])("%s is accepted", async (_title, extra) => {
    expect(() => new gcp.HaControlPlane("ok", { ...BASE_ARGS, zones: ZONES, ...extra })).not.toThrow();
    await settle(rec);
  });
});

describe("asynchronous planning", () => {
  test("a region with fewer zones than zoneCount fails the deployment naming zoneCount, and nothing is created", async () => {
    let cp: InstanceType<typeof gcp.HaControlPlane> | undefined;
    const errors = await refusalsDuring(async () => {
      cp = new gcp.HaControlPlane("few", { ...BASE_ARGS });
      await settle(rec, 100);
    });
    expect(errors).toEqual([
      'HaControlPlane few: zoneCount: region "europe-west1" has 2 zone(s) (europe-west1-b, europe-west1-c), fewer than 3. Lower zoneCount or give zones.',
    ]);
    expect(rec.resources.map((r) => r.type)).toEqual([T.component]);
    // One refusal fails the deployment; the outputs stay unknown (they neither hang nor reject).
    const known = await (cp!.kubeconfig as any).isKnown;
    expect(known).toBe(false);
  });

  test("zoneCount: 2 with tolerateZoneFailure: false plans over the region's two zones, sorted", async () => {
    const cp = new gcp.HaControlPlane("two", { ...BASE_ARGS, zoneCount: 2, tolerateZoneFailure: false });
    const plan = await outputValue(cp.plan);
    expect(plan.zones).toEqual(["europe-west1-b", "europe-west1-c"]);
    expect(plan.nodes.map((n) => n.zone)).toEqual(["europe-west1-b", "europe-west1-c", "europe-west1-b"]);
    expect(plan.warnings.join("\n")).toMatch(/tolerateZoneFailure/);
    await outputValue(cp.quorum);
  });

  test("the region falls back to the gcp:region setting", async () => {
    pulumi.runtime.setConfig("gcp:region", "europe-west1");
    try {
      const cp = new gcp.HaControlPlane("cfg", { clusterName: "cfg", adminCidrs: ["203.0.113.7/32"], zones: ZONES });
      expect((await outputValue(cp.plan)).zones).toEqual(ZONES);
      await outputValue(cp.quorum);
    } finally {
      pulumi.runtime.setConfig("gcp:region", "");
    }
  });
});
