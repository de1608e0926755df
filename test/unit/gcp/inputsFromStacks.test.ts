import * as pulumi from "@pulumi/pulumi";
import { gcpMockInvokes, gcpMockResourceState } from "../../../src/gcp/testing";
import { gcpMockExistingSubnetworks } from "../../../src/testing";
import { refusalsDuring } from "../../../src/testing";
import { installCloudMocks, settle, type Recorder } from "../support/cloudMocks";

const REGION = "europe-west1";
const SUBNETWORKS = gcpMockExistingSubnetworks({
  "shared-subnet": { region: REGION, network: "shared-vpc", ipCidrRange: "10.20.0.0/20" },
  "far-subnet": { region: "us-central1", network: "shared-vpc", ipCidrRange: "10.21.0.0/20" },
});

/** What the network stack exports. */
const GOOD_OUTPUTS = {
  network: "shared-vpc",
  subnetwork: "shared-subnet",
  adminCidr: "203.0.113.7/32",
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIuserkey you@laptop ",
  apiName: "api.example.com",
};

const FIXED = {
  clusterName: "demo",
  region: REGION,
  zones: ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nUSER-KEY\n-----END OPENSSH PRIVATE KEY-----\n",
};

const plainArgs = () => ({
  ...FIXED,
  network: GOOD_OUTPUTS.network,
  subnetwork: GOOD_OUTPUTS.subnetwork,
  adminCidrs: [GOOD_OUTPUTS.adminCidr],
  sshPublicKey: GOOD_OUTPUTS.sshPublicKey,
  extraCertSans: [GOOD_OUTPUTS.apiName],
});

function referencedArgs() {
  const net = new pulumi.StackReference("org/net/prod");
  return {
    ...FIXED,
    network: net.requireOutput("network"),
    subnetwork: net.requireOutput("subnetwork"),
    adminCidrs: [net.requireOutput("adminCidr")],
    sshPublicKey: net.requireOutput("sshPublicKey"),
    extraCertSans: [net.requireOutput("apiName")],
  };
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** Builds the component under mocks whose `org/net/prod` stack exports `outputs`; records the refusals that failed the deployment. */
async function build(preview: boolean, args: () => Record<string, unknown>, outputs: Record<string, unknown>) {
  const recorder = await installCloudMocks(
    { invokes: { ...gcpMockInvokes, ...SUBNETWORKS }, resourceState: { ...gcpMockResourceState, [STACK_REFERENCE]: () => ({ outputs }) } },
    preview,
  );
  const { HaControlPlane } = await import("../../../src/gcp");
  const errors = await refusalsDuring(async () => {
    new HaControlPlane("co", args() as any);
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
  test("build the same resources, metadata and scripts as the plain values", async () => {
    const plain = await build(preview, plainArgs, GOOD_OUTPUTS);
    const referenced = await build(preview, referencedArgs, GOOD_OUTPUTS);
    expect([plain.errors, referenced.errors]).toEqual([[], []]);
    expect(children(referenced.recorder)).toEqual(children(plain.recorder));
    const metadata = referenced.recorder.resources.find((r) => r.name === "co-cp-0")?.inputs.metadata;
    expect(JSON.stringify(metadata)).toContain("ubuntu:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIuserkey you@laptop\"");
  });
});

describe.each([false, true])("arguments read from another stack with a wrong value (preview: %s)", (preview) => {
  test.each<[string, Record<string, unknown>, string]>([
    ["a subnetwork of another region", { subnetwork: "far-subnet" }, "subnetwork: far-subnet is in us-central1, not region europe-west1"],
    ["an admin range with host bits", { adminCidr: "203.0.113.7/24" }, 'adminCidrs: entry 0 "203.0.113.7/24" has host bits set.'],
    ["a public key that is not one", { sshPublicKey: "not a key" }, 'sshPublicKey: "not a key" (a string) is not one OpenSSH public key line.'],
    ["a certificate name with a port", { apiName: "api.example.com:6443" }, 'extraCertSans: entry 0 ("api.example.com:6443") is not a DNS name or IP address.'],
  ])("%s fails naming the field, before any child", async (_label, wrong, message) => {
    const { recorder, errors } = await build(preview, referencedArgs, { ...GOOD_OUTPUTS, ...wrong });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`HaControlPlane co: ${message}`);
    expect(recorder.resources.map((r) => r.type).sort()).toEqual(["pulumi-k8s-ha:gcp:HaControlPlane", STACK_REFERENCE]);
  });
});
