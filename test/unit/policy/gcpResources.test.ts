/**
 * The resource rules against the GCP resources `HaControlPlane` registers under the library's mocks: its firewall
 * rules and disks pass; a rule opened to the world, or a rule without a source (which GCP treats as 0.0.0.0/0), is
 * reported; disks need a Cloud KMS key only when the policy config asks for one.
 */
import { apiOpenToInternetOnlyWhenAllowed, imdsv2Required, noAdminPortsOpenToInternet, volumesEncrypted } from "../../../src/policy";
import { BASE_ARGS, installGcpMocks, named, ofType, type Recorder, settle, T } from "../gcp/support";
import { type Config, plain, resourceArgs, resourceViolations } from "./support";

const RESOURCE_POLICIES = [noAdminPortsOpenToInternet, apiOpenToInternetOnlyWhenAllowed, volumesEncrypted, imdsv2Required];

let recorder: Recorder;

async function allViolations(config: Config = {}): Promise<string[]> {
  const found: string[] = [];
  for (const policy of RESOURCE_POLICIES) {
    for (const resource of recorder.resources) {
      for (const message of await resourceViolations(policy, resourceArgs(resource.type, resource.name, resource.inputs, config))) found.push(`${policy.name}: ${message}`);
    }
  }
  return found;
}

/** A registered firewall's inputs with `change` applied to a plain copy. */
function firewall(name: string, change: (inputs: Record<string, any>) => void): Record<string, any> {
  const inputs = plain(named(recorder, T.firewall, name).inputs);
  change(inputs);
  return inputs;
}

beforeAll(async () => {
  recorder = await installGcpMocks(false);
  const { HaControlPlane } = await import("../../../src/gcp");
  new HaControlPlane("demo", { ...BASE_ARGS, apiLoadBalancerScheme: "internet-facing", apiAllowedCidrs: ["198.51.100.0/24"] });
  await settle(recorder);
});

test("the library's own GCP resources pass every resource rule", async () => {
  expect(ofType(recorder, T.firewall).length).toBeGreaterThanOrEqual(7);
  expect(ofType(recorder, T.instance).length).toBe(4);
  expect(await allViolations()).toEqual([]);
});

test("the SSH rule opened to ::/0 and the kubelet rule left without a source are reported with the fix", async () => {
  const ssh = firewall("demo-fw-bastion-ssh", (rule) => (rule.sourceRanges = ["203.0.113.7/32", "::/0"]));
  expect(await resourceViolations(noAdminPortsOpenToInternet, resourceArgs(T.firewall, "demo-fw-bastion-ssh", ssh))).toEqual([
    `${T.firewall} demo-fw-bastion-ssh opens TCP port 22 to ::/0. Admit only your admin networks or another security group / network tag ` +
      "(SSH through a bastion; etcd and the kubelet only from the control planes).",
  ]);
  const kubelet = firewall("demo-fw-kubelet", (rule) => delete rule.sourceTags);
  expect(await resourceViolations(noAdminPortsOpenToInternet, resourceArgs(T.firewall, "demo-fw-kubelet", kubelet))).toEqual([
    expect.stringContaining(`${T.firewall} demo-fw-kubelet opens TCP port 10250 to 0.0.0.0/0.`),
  ]);
  const egress = { ...kubelet, direction: "EGRESS", destinationRanges: ["0.0.0.0/0"] };
  expect(await resourceViolations(noAdminPortsOpenToInternet, resourceArgs(T.firewall, "out", egress))).toEqual([]);
});

test("an allow-all firewall from the world is reported once per admin port, and the API rule opened to it needs allowPublicApi", async () => {
  const everything = { network: "n", allows: [{ protocol: "all" }], sourceRanges: ["0.0.0.0/0"] };
  expect(await resourceViolations(noAdminPortsOpenToInternet, resourceArgs(T.firewall, "any", everything))).toHaveLength(4);
  const api = firewall("demo-fw-api", (rule) => (rule.sourceRanges = ["0.0.0.0/0"]));
  expect(await resourceViolations(apiOpenToInternetOnlyWhenAllowed, resourceArgs(T.firewall, "demo-fw-api", api))).toEqual([
    expect.stringContaining(`${T.firewall} demo-fw-api opens the Kubernetes API (TCP 6443) to 0.0.0.0/0. List your networks in apiAllowedCidrs`),
  ]);
  expect(await resourceViolations(apiOpenToInternetOnlyWhenAllowed, resourceArgs(T.firewall, "demo-fw-api", api, { allowPublicApi: true }))).toEqual([]);
  const range = { network: "n", allows: [{ protocol: "tcp", ports: ["6000-7000"] }], sourceRanges: ["0.0.0.0/0"] };
  expect(await resourceViolations(apiOpenToInternetOnlyWhenAllowed, resourceArgs(T.firewall, "range", range))).toHaveLength(1);
});

test("gcpRequireCustomerManagedKey: the library's disks (Google-managed keys) are reported naming the disk and the fix; a KMS key passes", async () => {
  const config = { gcpRequireCustomerManagedKey: true };
  const instance = plain(named(recorder, T.instance, "demo-cp-0").inputs);
  expect(await resourceViolations(volumesEncrypted, resourceArgs(T.instance, "demo-cp-0", instance, config))).toEqual([
    `${T.instance} demo-cp-0: bootDisk is not encrypted as required; set kmsKeySelfLink (or diskEncryptionKey.kmsKeySelfLink) to your Cloud KMS key.`,
  ]);
  const withKey = { ...instance, bootDisk: { ...instance.bootDisk, kmsKeySelfLink: "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k" } };
  expect(await resourceViolations(volumesEncrypted, resourceArgs(T.instance, "demo-cp-0", withKey, config))).toEqual([]);
  const disk = { size: 100, zone: "europe-west1-b" };
  expect(await resourceViolations(volumesEncrypted, resourceArgs("gcp:compute/disk:Disk", "data", disk, config))).toEqual([
    expect.stringContaining("gcp:compute/disk:Disk data: the disk (diskEncryptionKey) is not encrypted as required"),
  ]);
  expect(await resourceViolations(volumesEncrypted, resourceArgs("gcp:compute/disk:Disk", "data", disk))).toEqual([]);
});

test("values unknown in a preview (a NAT address, a key created in the same stack) are skipped, not reported and not a failure", async () => {
  // the policy SDK's wrapper of a preview's inputs (internal, so untyped)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <P extends object>(props: P) => P };
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const api = plain(named(recorder, T.firewall, "demo-fw-api-cluster").inputs);
  expect(api.sourceRanges).toHaveLength(1); // Cloud NAT's address, unknown in a first preview
  for (const props of [{ ...api, sourceRanges: [UNKNOWN] }, { ...api, sourceRanges: UNKNOWN, sourceTags: UNKNOWN }]) {
    for (const policy of [noAdminPortsOpenToInternet, apiOpenToInternetOnlyWhenAllowed]) {
      expect(await resourceViolations(policy, { ...resourceArgs(T.firewall, "demo-fw-api-cluster", {}), props: unknownCheckingProxy(props) })).toEqual([]);
    }
  }
  // known world ranges beside an unknown one are still reported
  const mixed = unknownCheckingProxy({ ...api, sourceRanges: [UNKNOWN, "0.0.0.0/0"] });
  expect(await resourceViolations(apiOpenToInternetOnlyWhenAllowed, { ...resourceArgs(T.firewall, "mixed", {}), props: mixed })).toHaveLength(1);
  const instance = plain(named(recorder, T.instance, "demo-cp-0").inputs);
  const withPendingKey = unknownCheckingProxy({ ...instance, bootDisk: { ...instance.bootDisk, kmsKeySelfLink: UNKNOWN } });
  expect(await resourceViolations(volumesEncrypted, { ...resourceArgs(T.instance, "demo-cp-0", {}, { gcpRequireCustomerManagedKey: true }), props: withPendingKey })).toEqual([]);
});
