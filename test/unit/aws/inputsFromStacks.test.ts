import * as pulumi from "@pulumi/pulumi";
import { awsMockInvokes, awsMockResourceState } from "../../../src/aws/testing";
import { awsMockExistingNetwork } from "../../../src/testing";
import { refusalsDuring } from "../../../src/testing";
import { installCloudMocks, ofType, settle, type Recorder } from "../support/cloudMocks";

/** The network stack's VPC and subnets, as the cloud describes them. */
const NETWORK = awsMockExistingNetwork(
  { "vpc-123": "172.20.0.0/16" },
  Object.fromEntries(["a", "b", "c"].flatMap((zone) => [
    [`subnet-${zone}`, { availabilityZone: `eu-west-1${zone}`, vpcId: "vpc-123" }],
    [`subnet-p${zone}`, { availabilityZone: `eu-west-1${zone}`, vpcId: "vpc-123" }],
  ])),
);

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3m0ck user@laptop";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nUSER-KEY\n-----END OPENSSH PRIVATE KEY-----\n";

/** What the network and security stacks export. */
const GOOD_OUTPUTS = {
  vpcId: "vpc-123",
  privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  publicSubnetIds: ["subnet-pa", "subnet-pb", "subnet-pc"],
  adminCidr: "203.0.113.7/32",
  workerCidr: "198.51.100.0/24",
  sshPublicKey: PUBLIC_KEY,
  apiName: "api.example.com",
};

const FIXED = { clusterName: "demo", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], sshPrivateKey: PRIVATE_KEY };

/** The arguments as plain values. */
const plainArgs = (o: typeof GOOD_OUTPUTS) => ({
  ...FIXED,
  vpcId: o.vpcId,
  privateSubnetIds: o.privateSubnetIds,
  publicSubnetIds: o.publicSubnetIds,
  adminCidrs: [o.adminCidr],
  apiAllowedCidrs: [o.workerCidr],
  sshPublicKey: o.sshPublicKey,
  extraCertSans: [o.apiName],
});

/** The same arguments read from another stack, as a company stack passes them. */
function referencedArgs() {
  const net = new pulumi.StackReference("org/net/prod");
  return {
    ...FIXED,
    vpcId: net.requireOutput("vpcId"),
    privateSubnetIds: [0, 1, 2].map((i) => net.requireOutput("privateSubnetIds").apply((ids: string[]) => ids[i])),
    publicSubnetIds: [0, 1, 2].map((i) => net.requireOutput("publicSubnetIds").apply((ids: string[]) => ids[i])),
    adminCidrs: [net.requireOutput("adminCidr")],
    apiAllowedCidrs: [net.requireOutput("workerCidr")],
    sshPublicKey: net.requireOutput("sshPublicKey"),
    extraCertSans: [net.requireOutput("apiName")],
  };
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** Builds the component under mocks whose `org/net/prod` stack exports `outputs`; records the refusals that failed the deployment. */
async function build(preview: boolean, args: (o: typeof GOOD_OUTPUTS) => Record<string, unknown>, outputs: Record<string, unknown>) {
  const recorder = await installCloudMocks(
    { invokes: { ...awsMockInvokes, ...NETWORK }, resourceState: { ...awsMockResourceState, [STACK_REFERENCE]: () => ({ outputs }) } },
    preview,
  );
  const { HaControlPlane } = await import("../../../src/aws");
  const errors = await refusalsDuring(async () => {
    new HaControlPlane("co", args(GOOD_OUTPUTS) as any);
    await settle(recorder, 300);
  });
  return { recorder, errors };
}

/** Every registration but the stack reference, as `type name inputs` (the workers' token trigger, a time, left out), sorted. */
const children = (recorder: Recorder): string[] =>
  recorder.resources
    .filter((r) => r.type !== STACK_REFERENCE)
    .map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")}`)
    .sort();

describe.each([false, true])("arguments read from another stack (preview: %s)", (preview) => {
  test("build the same resources, commands and scripts as the plain values", async () => {
    const plain = await build(preview, plainArgs, GOOD_OUTPUTS);
    const referenced = await build(preview, referencedArgs, GOOD_OUTPUTS);
    expect(plain.errors).toEqual([]);
    expect(referenced.errors).toEqual([]);
    expect(ofType(referenced.recorder, STACK_REFERENCE)).toHaveLength(1);
    expect(children(referenced.recorder)).toEqual(children(plain.recorder));
    expect(ofType(plain.recorder, "aws:ec2/instance:Instance").map((i) => i.inputs.subnetId).sort()).toEqual(["subnet-a", "subnet-b", "subnet-c", "subnet-pa"]);
  });
});

describe.each([false, true])("arguments read from another stack with a wrong value (preview: %s)", (preview) => {
  test.each<[string, Record<string, unknown>, string]>([
    ["subnets listed in another zone order", { privateSubnetIds: ["subnet-a", "subnet-c", "subnet-b"] }, "privateSubnetIds[1]: subnet-c is in eu-west-1c, but zones[1] is eu-west-1b"],
    ["an empty VPC id", { vpcId: "" }, "vpcId: resolved to "],
    ["an admin range open to the internet", { adminCidr: "0.0.0.0/0" }, 'adminCidrs: entry 0 "0.0.0.0/0" opens SSH to the whole internet.'],
    ["an API range with host bits", { workerCidr: "198.51.100.7/24" }, 'apiAllowedCidrs: entry 0 "198.51.100.7/24" has host bits set. Use "198.51.100.0/24".'],
    ["a public key that is not one", { sshPublicKey: "AAAA user@laptop" }, 'sshPublicKey: "AAAA user@laptop" (a string) is not one OpenSSH public key line'],
    ["a certificate name with a scheme", { apiName: "https://api.example.com" }, 'extraCertSans: entry 0 ("https://api.example.com") is not a DNS name or IP address.'],
  ])("%s fails naming the field, before any child (no machine, no command)", async (_label, wrong, message) => {
    const { recorder, errors } = await build(preview, referencedArgs, { ...GOOD_OUTPUTS, ...wrong });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`HaControlPlane co: ${message}`);
    expect(recorder.resources.map((r) => r.type).sort()).toEqual(["pulumi-k8s-ha:aws:HaControlPlane", STACK_REFERENCE]);
  });

  test("the same wrong value given plainly is still refused synchronously, before anything registers", async () => {
    await installCloudMocks({ invokes: awsMockInvokes, resourceState: awsMockResourceState }, true);
    const { HaControlPlane } = await import("../../../src/aws");
    expect(() => new HaControlPlane("plain", plainArgs({ ...GOOD_OUTPUTS, apiName: "https://api.example.com" }) as any)).toThrow(
      'extraCertSans: entry 0 ("https://api.example.com") is not a DNS name or IP address.',
    );
  });
});
