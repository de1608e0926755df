/**
 * The stack rules against the outputs of the library's own components under mocks (`plan`, `quorum`, `etcdBackup`,
 * `certificateExpiry`), as the engine hands a stack policy the components' registered outputs: a good cluster passes,
 * a bad one is reported once (not again for its KubeadmControlPlane child) naming the component and the fix.
 */
import type { PolicyResource } from "@pulumi/policy";
import type { CertificateExpiryReport } from "../../../src/cluster/certificateExpiry";
import { certificatesNotExpiring, etcdQuorumZoneSafe, productionEtcdBackups } from "../../../src/policy";
import { isUnknownValueError } from "../../../src/policy/config";
import { matchesPattern } from "../../../src/policy/productionBackups";
import { hostSpecs, validArgs } from "../hosts/support";
import { installRecordingMocks, outputValue } from "../support/recordingMocks";
import { stackResource, stackViolations } from "./support";

jest.setTimeout(60_000);

const HOSTS = "pulumi-k8s-ha:hosts:HostsControlPlane";
const KCP = "pulumi-k8s-ha:cluster:KubeadmControlPlane";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The policy SDK's wrapper of a preview's properties: reading an unknown value throws its `UnknownValueError` (internal, so untyped). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T extends object>(props: T) => T };

/** Whether `read` throws the policy SDK's `UnknownValueError` (so the test's value really is unknown to a policy). */
function unknownRead(read: () => unknown): boolean {
  try {
    read();
    return false;
  } catch (error) {
    return isUnknownValueError(error);
  }
}

let hosts: typeof import("../../../src/hosts");

beforeAll(async () => {
  await installRecordingMocks();
  hosts = await import("../../../src/hosts");
});

/** A HostsControlPlane's registered outputs, as a stack resource, with its KubeadmControlPlane child. */
async function cluster(name: string, args: Parameters<typeof validArgs>[0], stack = "dev"): Promise<PolicyResource[]> {
  const component = new hosts.HostsControlPlane(name, validArgs(args));
  const props = {
    plan: await outputValue(component.plan),
    quorum: await outputValue(component.quorum),
    etcdBackup: await outputValue(component.etcdBackup),
  };
  const outer = stackResource(HOSTS, name, props, { stack });
  const child = stackResource(KCP, `${name}-control-plane`, { quorum: props.quorum, etcdBackup: props.etcdBackup }, { stack, parent: outer });
  return [outer, child];
}

describe("etcd voters odd and zone-loss safe", () => {
  test("the library's stacked plan over 3 racks passes", async () => {
    const resources = await cluster("good", {});
    expect(resources[0].props.plan.quorum.zoneFailuresTolerated).toBe(1);
    expect(await stackViolations(etcdQuorumZoneSafe, resources)).toEqual([]);
  });

  test("3 voters in 2 racks (accepted by the component with tolerateZoneFailure: false) is reported once, naming the zone loss and the fix", async () => {
    const controlPlaneHosts = hostSpecs("cp", 3, 1).map((host, i) => ({ ...host, failureDomain: i < 2 ? "rack-a" : "rack-b" }));
    const resources = await cluster("tworacks", { controlPlaneHosts, tolerateZoneFailure: false });
    expect(await stackViolations(etcdQuorumZoneSafe, resources)).toEqual([
      {
        urn: resources[0].urn,
        message:
          `${HOSTS} tworacks: 3 voters in 2 zones (rack-a: 2, rack-b: 1) do not survive losing a zone: losing zone rack-a leaves 1 of 3 voters, below the quorum of 2. ` +
          "Place at most 1 voters in any one zone (3 voters need at least 3 zones), or set minZoneFailuresTolerated: 0 for policy k8s-ha-etcd-quorum-zone-safe if this is a dev cluster.",
      },
    ]);
    expect(await stackViolations(etcdQuorumZoneSafe, resources, { minZoneFailuresTolerated: 0 })).toEqual([]);
  });

  test("an even voter count in a plan (a state edited by hand) is recomputed and reported; a standalone control plane is read from quorum.plan", async () => {
    const [outer] = await cluster("even", {});
    const plan = outer.props.plan;
    const nodes = [...plan.nodes, { ...plan.nodes[0], name: "cp-3", index: 3 }];
    const edited = stackResource(HOSTS, "even", { ...outer.props, plan: { ...plan, nodes } });
    expect(await stackViolations(etcdQuorumZoneSafe, [edited])).toEqual([
      { urn: edited.urn, message: `${HOSTS} even: 4 etcd voters is even; an even count tolerates no more failures than one fewer. Use 3 or 5.` },
    ]);
    const alone = stackResource(KCP, "alone", { quorum: { etcdTopology: "stacked", plan: { ...plan.quorum, votersPerZone: { a: 2, b: 1 } } } });
    expect(await stackViolations(etcdQuorumZoneSafe, [alone])).toEqual([{ urn: alone.urn, message: expect.stringContaining(`${KCP} alone: 3 voters in 2 zones (a: 2, b: 1)`) }]);
  });

  test("a plan still unknown in a preview is skipped", async () => {
    const pending = stackResource(HOSTS, "pending", unknownCheckingProxy({ plan: UNKNOWN, quorum: UNKNOWN }));
    expect(unknownRead(() => pending.props.plan)).toBe(true);
    expect(await stackViolations(etcdQuorumZoneSafe, [pending])).toEqual([]);
  });
});

describe("backups configured for a production stack", () => {
  test("a production stack without etcdBackup is reported once, naming the stack and the fix; with etcdBackup it passes", async () => {
    const bare = await cluster("nobackup", {}, "prod");
    expect(bare[0].props.etcdBackup).toBeUndefined();
    expect(await stackViolations(productionEtcdBackups, bare)).toEqual([
      {
        urn: bare[0].urn,
        message:
          `${HOSTS} nobackup: stack prod is a production stack but etcdBackup is not set, so no etcd snapshot leaves the machines. ` +
          "Set etcdBackup (schedule, retention and a destination) on the component, or leave the stack out of productionStacks for policy k8s-ha-production-etcd-backups.",
      },
    ]);
    const backedUp = await cluster("backup", { etcdBackup: { schedule: "hourly" } }, "prod");
    expect(backedUp[0].props.etcdBackup).toBeDefined();
    expect(await stackViolations(productionEtcdBackups, backedUp)).toEqual([]);
  });

  test("other stacks are not production unless the config says so; an etcdBackup still unknown in a preview counts as set", async () => {
    const bare = await cluster("dev", {}, "team-a-live");
    expect(await stackViolations(productionEtcdBackups, bare)).toEqual([]);
    expect(await stackViolations(productionEtcdBackups, bare, { productionStacks: ["*-live"] })).toHaveLength(1);
    const pending = stackResource(HOSTS, "pending", unknownCheckingProxy({ etcdBackup: UNKNOWN }), { stack: "prod" });
    expect(unknownRead(() => pending.props.etcdBackup)).toBe(true);
    expect(await stackViolations(productionEtcdBackups, [pending])).toEqual([]);
  });

  test("a standalone KubeadmControlPlane with external etcd leaves the check to its EtcdCluster", async () => {
    const kcp = stackResource(KCP, "cp", { quorum: { etcdTopology: "external" } }, { stack: "prod" });
    const etcd = stackResource("pulumi-k8s-ha:cluster:EtcdCluster", "etcd", { quorum: { etcdTopology: "external" } }, { stack: "prod" });
    expect((await stackViolations(productionEtcdBackups, [kcp, etcd])).map((violation) => violation.urn)).toEqual([etcd.urn]);
  });

  test.each([
    ["prod", "prod", true],
    ["Production", "production", true],
    ["eu-prod", "*-prod", true],
    ["prod-eu", "*-prod", false],
    ["prodigy", "prod", false],
    ["a.b", "a*b", true],
    ["axb", "a.b", false],
  ])("stack %s against pattern %s: %s", (stack, pattern, expected) => {
    expect(matchesPattern(stack, pattern)).toBe(expected);
  });
});

describe("certificates not within 30 days of expiry", () => {
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const report = (node: string, leafDays: number, adminDays: number): CertificateExpiryReport => ({
    node,
    checkedAt: new Date(Date.now() - 200 * 86_400_000).toISOString(),
    // daysLeft as read 200 days ago: the rule counts from notAfter and now instead
    earliestLeaf: { file: "apiserver.crt", notAfter: inDays(leafDays), daysLeft: leafDays + 200 },
    ca: { file: "ca.crt", notAfter: inDays(3000), daysLeft: 3200 },
    adminKubeconfig: { file: "admin.conf", notAfter: inDays(adminDays), daysLeft: adminDays + 200 },
  });

  async function withReports(reports: Record<string, CertificateExpiryReport>): Promise<PolicyResource[]> {
    const [outer, child] = await cluster("certs", { reportCertificateExpiry: true });
    const nodes = (outer.props.plan.nodes as { name: string }[]).map((node) => node.name);
    expect(Object.keys(reports).every((node) => nodes.includes(node))).toBe(true);
    return [stackResource(HOSTS, "certs", { ...outer.props, certificateExpiry: reports }), { ...child, props: { ...child.props, certificateExpiry: reports } }];
  }

  test("certificates with 60 days left pass", async () => {
    const resources = await withReports({ "cp-0": report("cp-0", 60, 300), "cp-1": report("cp-1", 300, 300) });
    expect(await stackViolations(certificatesNotExpiring, resources)).toEqual([]);
  });

  test("a leaf with 10 days left and an expired admin kubeconfig are reported, naming component, node, file and the fix", async () => {
    const resources = await withReports({ "cp-0": report("cp-0", 300, 300), "cp-2": report("cp-2", 10.5, -3.5) });
    const found = await stackViolations(certificatesNotExpiring, resources);
    expect(found.map((violation) => violation.message)).toEqual([
      `${HOSTS} certs: cp-2's leaf certificate apiserver.crt expires ${resources[0].props.certificateExpiry["cp-2"].earliestLeaf.notAfter} (10 days left, the policy asks for at least 30). ` +
        "Renew with `kubeadm certs renew all` on each control plane, one at a time, restart its static pods, then run `pulumi up` to refresh the report.",
      expect.stringMatching(/^pulumi-k8s-ha:hosts:HostsControlPlane certs: cp-2's admin kubeconfig admin\.conf expired .* \(-4 days left, the policy asks for at least 30\)\. Renew with/),
    ]);
    expect(await stackViolations(certificatesNotExpiring, resources, { minDaysLeft: 5 })).toHaveLength(1);
  });

  test("a report still unknown in a preview, or a component without one, is skipped", async () => {
    const pending = stackResource(HOSTS, "pending", unknownCheckingProxy({ certificateExpiry: { "cp-0": UNKNOWN } }));
    expect(unknownRead(() => JSON.stringify(pending.props.certificateExpiry))).toBe(true);
    const [without] = await cluster("nocerts", {});
    expect(await stackViolations(certificatesNotExpiring, [pending, without])).toEqual([]);
  });
});
