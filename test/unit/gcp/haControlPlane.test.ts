import { refusalsDuring } from "../../../src/testing";
import * as pulumi from "@pulumi/pulumi";
import { gcpMockExistingSubnetworks } from "../../../src/testing";
import { BASE_ARGS, installGcpMocks, isSecret, isSecretInput, named, ofType, outputValue, Recorder, Seen, settle, T, unwrap } from "./support";

let rec: Recorder;
let gcp: typeof import("../../../src/gcp");
const REGION = "europe-west1";
const ZONES = ["europe-west1-a", "europe-west1-b", "europe-west1-c"];
const SENTINEL = "SENTINEL-PRIVATE-KEY-MATERIAL";
const USER_KEY = {
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIuserkey you@laptop",
  sshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${SENTINEL}\n-----END OPENSSH PRIVATE KEY-----\n`,
};

/** The subnetworks the existing-network cases pass, as Compute Engine would describe them. */
const SUBNETWORKS = gcpMockExistingSubnetworks({
  "shared-subnet": { region: `https://www.googleapis.com/compute/v1/projects/p/regions/${REGION}`, network: "https://www.googleapis.com/compute/v1/projects/p/global/networks/shared-vpc", ipCidrRange: "10.20.0.0/20" },
  "far-subnet": { region: "us-central1", network: "shared-vpc", ipCidrRange: "10.21.0.0/20" },
  "other-subnet": { region: REGION, network: "other-vpc", ipCidrRange: "10.22.0.0/20" },
  "pod-range-subnet": { region: REGION, network: "shared-vpc", ipCidrRange: "10.244.0.0/20" },
});

beforeAll(async () => {
  rec = await installGcpMocks(false, SUBNETWORKS);
  gcp = await import("../../../src/gcp");
});
beforeEach(() => {
  rec.resources.splice(0);
  rec.invokes.splice(0);
});

/** Builds a cluster, waits for its quorum output and for registrations to settle; returns the options seen per child. */
async function build(name: string, args: Partial<import("../../../src/gcp").HaControlPlaneArgs> = {}) {
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const cp = new gcp.HaControlPlane(name, { ...BASE_ARGS, ...args }, {
    transformations: [(t) => { options.set(`${t.type} ${t.name}`, t.opts as pulumi.CustomResourceOptions); return undefined; }],
  });
  await outputValue(cp.quorum);
  await settle(rec);
  return { cp, options };
}

const mine = (prefix: string, type: string): Seen[] => ofType(rec, type).filter((r) => r.name.startsWith(`${prefix}-`));

/** Every string in a mock input that is not inside a secret. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretInput(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => plainStrings(v, out));
  return out;
}

describe("HaControlPlane on GCP, stacked etcd (update mode)", () => {
  test("reads the region's zones and the Ubuntu 24.04 LTS image family", async () => {
    await build("z");
    expect(rec.invokes.find((i) => i.token === "gcp:compute/getZones:getZones")?.inputs).toEqual({ region: REGION });
    expect(rec.invokes.find((i) => i.token === "gcp:compute/getImage:getImage")?.inputs).toEqual({
      family: "ubuntu-2404-lts-amd64",
      project: "ubuntu-os-cloud",
    });
  });

  test("places one control plane per zone, shielded, without external addresses, on static internal addresses", async () => {
    const { cp } = await build("m");
    const instances = mine("m", T.instance).filter((r) => r.name !== "m-bastion");
    expect(instances.map((r) => [r.inputs.name, r.inputs.zone, r.inputs.machineType])).toEqual([
      ["demo-cp-0", ZONES[0], "e2-standard-2"],
      ["demo-cp-1", ZONES[1], "e2-standard-2"],
      ["demo-cp-2", ZONES[2], "e2-standard-2"],
    ]);
    for (const instance of instances) {
      expect(instance.inputs.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
      expect(instance.inputs.networkInterfaces).toHaveLength(1);
      expect(instance.inputs.networkInterfaces[0].accessConfigs).toBeUndefined();
      expect(instance.inputs.tags).toEqual(["demo-control-plane"]);
      expect(instance.inputs.bootDisk.initializeParams).toMatchObject({ size: 50, type: "pd-balanced" });
      expect(instance.inputs.bootDisk.initializeParams.image).toContain("ubuntu-os-cloud");
      expect(instance.inputs.serviceAccount).toBeUndefined();
    }
    const ips = mine("m", T.address).filter((r) => r.inputs.addressType === "INTERNAL" && r.name.endsWith("-ip"));
    expect(ips.map((r) => r.inputs.name)).toEqual(["demo-cp-0-ip", "demo-cp-1-ip", "demo-cp-2-ip"]);
    const nodes = await outputValue(cp.nodes);
    expect(nodes.map((n) => [n.name, n.role, n.zone])).toEqual([
      ["cp-0", "control-plane", ZONES[0]],
      ["cp-1", "control-plane", ZONES[1]],
      ["cp-2", "control-plane", ZONES[2]],
    ]);
    nodes.forEach((node, i) => expect(instances[i].inputs.networkInterfaces[0].networkIp).toBe(node.address));
    expect(await outputValue(cp.nodesByZone)).toEqual({ [ZONES[0]]: ["cp-0"], [ZONES[1]]: ["cp-1"], [ZONES[2]]: ["cp-2"] });
  });

  test("puts cloud-init in user-data and only the public key in metadata; no secret in any plain input", async () => {
    await build("s", USER_KEY);
    const instances = mine("s", T.instance);
    for (const instance of instances) {
      const metadata = unwrap(instance.inputs.metadata);
      expect(Object.keys(metadata).sort()).toEqual(
        (instance.name === "s-bastion"
          ? ["block-project-ssh-keys", "enable-oslogin", "ssh-keys"]
          : ["block-project-ssh-keys", "enable-oslogin", "ssh-keys", "user-data"]
        ).sort(),
      );
      expect(metadata["ssh-keys"]).toBe(`ubuntu:${USER_KEY.sshPublicKey}`);
      expect(metadata["enable-oslogin"]).toBe("FALSE");
      if (instance.name !== "s-bastion") expect(metadata["user-data"]).toMatch(/^#cloud-config\n/);
    }
    const leaks = rec.resources.filter((r) => plainStrings(r.inputs).some((s) => s.includes(SENTINEL) || /PRIVATE KEY-----/.test(s)));
    expect(leaks.map((r) => r.name)).toEqual([]);
    for (const command of ofType(rec, T.command)) {
      expect(String(unwrap(command.inputs.create))).not.toMatch(/PRIVATE KEY|SENTINEL|\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    }
  });

  test("creates a network, subnetwork, Cloud Router and Cloud NAT on a reserved address", async () => {
    await build("n");
    expect(named(rec, T.network, "n-network").inputs).toMatchObject({ name: "demo-network", autoCreateSubnetworks: false });
    expect(named(rec, T.subnetwork, "n-subnetwork").inputs).toMatchObject({ ipCidrRange: "10.10.0.0/24", region: REGION, privateIpGoogleAccess: true });
    expect(named(rec, T.router, "n-router").inputs).toMatchObject({ region: REGION });
    expect(named(rec, T.nat, "n-nat").inputs).toMatchObject({
      natIpAllocateOption: "MANUAL_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      natIps: [expect.stringContaining("addresses/demo-nat")],
    });
  });

  test("uses an existing network and subnetwork without creating network, router or NAT", async () => {
    await build("e", { network: "shared-vpc", subnetwork: "shared-subnet", zones: ZONES });
    expect(mine("e", T.network).concat(mine("e", T.subnetwork), mine("e", T.router), mine("e", T.nat))).toEqual([]);
    expect(mine("e", T.firewall).every((r) => r.inputs.network === "shared-vpc")).toBe(true);
    expect(mine("e", T.instance).every((r) => r.inputs.networkInterfaces[0].subnetwork === "shared-subnet")).toBe(true);
    expect(rec.invokes.some((i) => i.token === "gcp:compute/getZones:getZones")).toBe(false);
    expect(rec.invokes.filter((i) => i.token === "gcp:compute/getSubnetwork:getSubnetwork").map((i) => i.inputs)).toEqual([{ name: "shared-subnet", region: REGION }]);
  });

  test.each([
    ["in another region", "far-subnet", "subnetwork: far-subnet is in us-central1, not region europe-west1"],
    ["of another network", "other-subnet", "subnetwork: other-subnet belongs to network other-vpc, not shared-vpc."],
    ["overlapping the pod range", "pod-range-subnet", "subnetwork: pod-range-subnet (10.244.0.0/20) overlaps podSubnet 10.244.0.0/16"],
  ])("an existing subnetwork %s fails the preview against the component, and no child is created", async (_label, subnetwork, message) => {
    const logged = await refusalsDuring(async () => {
      new gcp.HaControlPlane("given", { ...BASE_ARGS, network: "shared-vpc", subnetwork, zones: ZONES });
      await settle(rec);
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`HaControlPlane given: ${message}`);
    expect(rec.resources.map((r) => r.type)).toEqual(["pulumi-k8s-ha:gcp:HaControlPlane"]);
  });

  test("firewall: least privilege by network tag, nothing but 6443 open to 0.0.0.0/0, every rule has a source", async () => {
    await build("f", { apiAllowedCidrs: ["0.0.0.0/0"], apiLoadBalancerScheme: "internet-facing" });
    const rules: Record<string, any> = Object.fromEntries(mine("f", T.firewall).map((r) => [r.inputs.name.replace(/^demo-/, ""), r.inputs]));
    const view = (r: any) => ({
      allows: r.allows,
      targetTags: r.targetTags,
      sourceRanges: r.sourceRanges,
      sourceTags: r.sourceTags,
    });
    expect(Object.keys(rules).sort()).toEqual(
      ["api", "api-health-checks", "api-cluster", "etcd-client", "etcd-peer", "kubelet", "cni", "ssh", "bastion-ssh"].sort(),
    );
    expect(view(rules.api)).toEqual({ allows: [{ protocol: "tcp", ports: ["6443"] }], targetTags: ["demo-control-plane"], sourceRanges: ["0.0.0.0/0"], sourceTags: undefined });
    expect(view(rules["api-health-checks"]).sourceRanges).toEqual(["35.191.0.0/16", "130.211.0.0/22", "209.85.152.0/22", "209.85.204.0/22"]);
    expect(rules["api-cluster"].sourceTags).toEqual(["demo-control-plane"]);
    expect(rules["api-cluster"].sourceRanges).toEqual([expect.stringMatching(/^34\.120\.\d+\.\d+\/32$/)]);
    expect(view(rules["etcd-client"])).toEqual({ allows: [{ protocol: "tcp", ports: ["2379"] }], targetTags: ["demo-control-plane"], sourceRanges: undefined, sourceTags: ["demo-control-plane"] });
    expect(view(rules["etcd-peer"])).toEqual({ allows: [{ protocol: "tcp", ports: ["2380"] }], targetTags: ["demo-control-plane"], sourceRanges: undefined, sourceTags: ["demo-control-plane"] });
    expect(view(rules.kubelet)).toEqual({ allows: [{ protocol: "tcp", ports: ["10250"] }], targetTags: ["demo-control-plane"], sourceRanges: undefined, sourceTags: ["demo-control-plane"] });
    expect(view(rules.ssh)).toEqual({ allows: [{ protocol: "tcp", ports: ["22"] }], targetTags: ["demo-control-plane"], sourceRanges: undefined, sourceTags: ["demo-bastion"] });
    expect(view(rules["bastion-ssh"])).toEqual({ allows: [{ protocol: "tcp", ports: ["22"] }], targetTags: ["demo-bastion"], sourceRanges: ["203.0.113.7/32"], sourceTags: undefined });
    for (const rule of Object.values(rules)) {
      expect(rule.direction).toBe("INGRESS");
      expect((rule.sourceRanges ?? []).length + (rule.sourceTags ?? []).length).toBeGreaterThan(0);
      if ((rule.sourceRanges ?? []).some((range: string) => range.endsWith("/0"))) {
        expect(rule.allows).toEqual([{ protocol: "tcp", ports: ["6443"] }]);
      }
    }
  });

  test.each([
    ["internal", ["35.191.0.0/16", "130.211.0.0/22"]],
    ["internet-facing", ["35.191.0.0/16", "130.211.0.0/22", "209.85.152.0/22", "209.85.204.0/22"]],
  ] as const)("firewall: a %s passthrough load balancer's health checkers reach 6443 from %j", async (scheme, ranges) => {
    const prefix = scheme === "internal" ? "hi" : "he";
    await build(prefix, { apiLoadBalancerScheme: scheme, apiAllowedCidrs: ["198.51.100.0/24"] });
    expect(named(rec, T.firewall, `${prefix}-fw-api-health-checks`).inputs).toMatchObject({
      allows: [{ protocol: "tcp", ports: ["6443"] }],
      targetTags: ["demo-control-plane"],
      sourceRanges: ranges,
    });
  });

  test("firewall: without apiAllowedCidrs there is no public API rule, and without a bastion SSH comes from adminCidrs", async () => {
    await build("g", { createBastion: false });
    const names = mine("g", T.firewall).map((r) => r.inputs.name);
    expect(names).not.toContain("demo-api");
    expect(names).not.toContain("demo-bastion-ssh");
    expect(named(rec, T.firewall, "g-fw-ssh").inputs.sourceRanges).toEqual(["203.0.113.7/32"]);
    expect(named(rec, T.firewall, "g-fw-api-cluster").inputs.sourceRanges).toBeUndefined();
    expect(mine("g", T.instance).map((r) => r.name)).not.toContain("g-bastion");
    const connection = unwrap(ofType(rec, T.command).find((r) => r.name === "g-control-plane-cp-0-ready")!.inputs.connection);
    expect(connection.proxy).toBeUndefined();
  });

  test("internal load balancer: per-zone instance groups, HTTPS /readyz health check, INTERNAL TCP backend service and forwarding rule", async () => {
    const { cp } = await build("l");
    expect(mine("l", T.group).map((r) => [r.inputs.name, r.inputs.zone])).toEqual([
      ["demo-api-a", ZONES[0]],
      ["demo-api-b", ZONES[1]],
      ["demo-api-c", ZONES[2]],
    ]);
    expect(named(rec, T.healthCheck, "l-api-health").inputs).toMatchObject({ region: REGION, httpsHealthCheck: { port: 6443, requestPath: "/readyz" } });
    const backend = named(rec, T.backendService, "l-api").inputs;
    expect(backend).toMatchObject({ region: REGION, protocol: "TCP", loadBalancingScheme: "INTERNAL" });
    expect(backend.backends).toEqual(ZONES.map(() => ({ group: expect.any(String), balancingMode: "CONNECTION" })));
    const address = named(rec, T.address, "l-api-address").inputs;
    expect(address).toMatchObject({ addressType: "INTERNAL", region: REGION, subnetwork: expect.any(String) });
    const rule = named(rec, T.forwardingRule, "l-api").inputs;
    expect(rule).toMatchObject({ loadBalancingScheme: "INTERNAL", ipProtocol: "TCP", ports: ["6443"], region: REGION, subnetwork: expect.any(String) });
    const lbAddress = await outputValue(cp.loadBalancerAddress);
    expect(rule.ipAddress).toBe(lbAddress);
    expect(await outputValue(cp.apiServerEndpoint)).toBe(`https://${lbAddress}:6443`);
    // Workers join through the same load balancer, with their own secret token, pinned to the cluster CA.
    expect(await isSecret(cp.workerJoinCommand)).toBe(true);
    expect(await isSecret(cp.workerJoinToken)).toBe(true);
    const token = await outputValue(cp.workerJoinToken);
    const hash = await outputValue(cp.caCertHash);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await outputValue(cp.caCertPem)).toContain("-----BEGIN CERTIFICATE-----");
    expect(await outputValue(cp.workerJoinCommand)).toBe(`kubeadm join ${lbAddress}:6443 --token ${token} --discovery-token-ca-cert-hash ${hash}`);
    expect(String(unwrap(named(rec, T.command, "l-control-plane-worker-token").inputs.stdin))).toBe(`${token}\n`);
  });

  test("workerJoinTokenTtlHours reaches the workers' token step", async () => {
    await build("ttl", { workerJoinTokenTtlHours: 720 });
    const step = named(rec, T.command, "ttl-control-plane-worker-token");
    expect(String(step.inputs.create)).toContain("+720 hours");
    expect(String(named(rec, T.command, "ttl-control-plane-token-refresh").inputs.create)).toContain("+24 hours");
  });

  test("certificateValidityPeriod, certificateRenewal and reportCertificateExpiry reach the control plane's steps", async () => {
    const { cp } = await build("certs", { certificateValidityPeriod: "4380h", certificateRenewal: { renewWithinDays: 14 }, reportCertificateExpiry: true });
    const renewals = ["cp-0", "cp-1", "cp-2"].map((n) => String(named(rec, T.command, `certs-control-plane-${n}-certificate-renewal`).inputs.create));
    for (const text of renewals) expect(text).toContain("readonly RENEW_WITHIN_DAYS='\\''14'\\''");
    expect(named(rec, T.command, "certs-control-plane-cp-2-certificates")).toBeDefined();
    expect(Object.keys((await outputValue(cp.certificateExpiry)) ?? {})).toEqual(["cp-0", "cp-1", "cp-2"]);
  });

  test("external load balancer: EXTERNAL backend service and forwarding rule on a reserved external address", async () => {
    await build("x", { apiLoadBalancerScheme: "internet-facing", apiAllowedCidrs: ["198.51.100.0/24"] });
    expect(named(rec, T.backendService, "x-api").inputs.loadBalancingScheme).toBe("EXTERNAL");
    expect(named(rec, T.address, "x-api-address").inputs).toMatchObject({ addressType: "EXTERNAL" });
    const rule = named(rec, T.forwardingRule, "x-api").inputs;
    expect(rule).toMatchObject({ loadBalancingScheme: "EXTERNAL", ports: ["6443"], networkTier: "PREMIUM" });
    expect(rule.subnetwork).toBeUndefined();
  });

  test("the first control plane is a backend before kubeadm init; the others only after the final quorum gate", async () => {
    await build("j");
    const index = (type: string, name: string) => rec.resources.findIndex((r) => r.type === type && r.name === name);
    const init = index(T.command, "j-control-plane-cp-0-init");
    const lastGate = index(T.command, "j-control-plane-cp-2-gate");
    expect(init).toBeGreaterThan(index(T.membership, "j-api-member-cp-0"));
    expect(init).toBeGreaterThan(index(T.forwardingRule, "j-api"));
    for (const member of ["j-api-member-cp-1", "j-api-member-cp-2"]) {
      expect(index(T.membership, member)).toBeGreaterThan(lastGate);
    }
    expect(named(rec, T.membership, "j-api-member-cp-1").inputs).toMatchObject({ zone: ZONES[1], instanceGroup: "demo-api-b" });
  });

  test("SSH goes through the bastion with the generated key, kept secret", async () => {
    const { cp } = await build("b");
    expect(named(rec, "tls:index/privateKey:PrivateKey", "b-ssh-key").inputs).toEqual({ algorithm: "ED25519" });
    const bastion = named(rec, T.instance, "b-bastion").inputs;
    expect(bastion.networkInterfaces[0].accessConfigs).toEqual([{ natIp: expect.stringMatching(/^34\./) }]);
    expect(bastion.tags).toEqual(["demo-bastion"]);
    const ready = ofType(rec, T.command).find((r) => r.name === "b-control-plane-cp-1-ready")!;
    expect(isSecretInput(ready.inputs.connection)).toBe(true);
    const connection = unwrap(ready.inputs.connection);
    expect(connection.proxy.host).toBe(await outputValue(cp.bastionPublicIp));
    expect(connection.host).toMatch(/^10\.10\.0\.\d+$/);
    expect(connection.user).toBe("ubuntu");
    expect(await isSecret(cp.sshPrivateKey)).toBe(true);
    expect(await isSecret(cp.kubeconfig)).toBe(true);
    expect(await isSecret(cp.apiServerEndpoint)).toBe(false);
  });

  test("holds image, user-data, machine type and service account changes unless the node is rolled", async () => {
    const { options } = await build("i", { rollNodes: ["cp-1"] });
    const held = ["bootDisk.initializeParams.image", 'metadata["user-data"]', "machineType", "serviceAccount"];
    expect(options.get(`${T.instance} i-cp-0`)?.ignoreChanges).toEqual(held);
    expect(options.get(`${T.instance} i-cp-2`)?.ignoreChanges).toEqual(held);
    expect(options.get(`${T.instance} i-cp-1`)?.ignoreChanges).toBeUndefined();
    expect(options.get(`${T.instance} i-cp-1`)?.replaceOnChanges).toEqual(['metadata["user-data"]']);
    expect(options.get(`${T.instance} i-cp-0`)?.deleteBeforeReplace).toBe(true);
  });
});

describe("HaControlPlane on GCP, external etcd (update mode)", () => {
  test("3 control planes and 3 etcd members over 3 zones; etcd ports only on members", async () => {
    const { cp } = await build("x3", { etcdTopology: "external", zones: ZONES });
    const instances = mine("x3", T.instance).filter((r) => r.name !== "x3-bastion");
    expect(instances.map((r) => [r.inputs.name, r.inputs.zone, r.inputs.tags[0]])).toEqual([
      ["demo-cp-0", ZONES[0], "demo-control-plane"],
      ["demo-cp-1", ZONES[1], "demo-control-plane"],
      ["demo-cp-2", ZONES[2], "demo-control-plane"],
      ["demo-etcd-0", ZONES[0], "demo-etcd"],
      ["demo-etcd-1", ZONES[1], "demo-etcd"],
      ["demo-etcd-2", ZONES[2], "demo-etcd"],
    ]);
    expect(instances.slice(3).every((r) => r.inputs.machineType === "e2-medium")).toBe(true);
    expect(named(rec, T.firewall, "x3-fw-etcd-peer").inputs).toMatchObject({ targetTags: ["demo-etcd"], sourceTags: ["demo-etcd"] });
    expect(named(rec, T.firewall, "x3-fw-etcd-client").inputs).toMatchObject({ targetTags: ["demo-etcd"], sourceTags: ["demo-control-plane", "demo-etcd"] });
    expect(named(rec, T.firewall, "x3-fw-ssh").inputs.targetTags).toEqual(["demo-control-plane", "demo-etcd"]);
    expect(mine("x3", T.membership)).toHaveLength(3);
    const quorum = await outputValue(cp.quorum);
    expect(quorum.etcdTopology).toBe("external");
    expect(quorum.plan).toMatchObject({ voters: 3, quorumSize: 2, zoneFailuresTolerated: 1 });
    expect((await outputValue(cp.etcdEndpoints)).length).toBe(3);
  });
});

describe("entry point", () => {
  test("loading src/gcp never loads @pulumi/aws", () => {
    expect(Object.keys(require.cache).filter((path) => path.includes("node_modules/@pulumi/aws/"))).toEqual([]);
    expect(Object.keys(require.cache).some((path) => path.includes("node_modules/@pulumi/gcp/compute/instance.js"))).toBe(true);
  });
});
