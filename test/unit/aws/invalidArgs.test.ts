import { refusalsDuring } from "../../../src/testing";
import * as pulumi from "@pulumi/pulumi";
import { BASE_ARGS, installAwsMocks, Recorder, settle } from "./support";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3m0ck user@laptop";
const EXISTING = { vpcId: "vpc-1", zones: ["a1", "b1", "c1"], privateSubnetIds: ["s1", "s2", "s3"], publicSubnetIds: ["p1", "p2", "p3"] };

/** [title, extra args, field, exact message]. */
const CASES: [string, Record<string, unknown>, string, string][] = [
  ["bad cluster name", { clusterName: "Demo" }, "clusterName", 'clusterName: "Demo" (a string) is not a valid name. Use lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit.'],
  ["even control planes", { controlPlaneCount: 2 }, "controlPlaneCount", "controlPlaneCount: 2 is even; etcd needs an odd number of voters. Use 1 or 3."],
  ["zones and zoneCount", { zones: ["a1", "b1", "c1"], zoneCount: 3 }, "zoneCount", "zoneCount: is only used without zones. Give either zones or zoneCount, not both."],
  ["too many zones for a new VPC", { zoneCount: 9 }, "zoneCount", "zoneCount: 9 zones is more than the 8 a created VPC is split into. Use at most 8."],
  ["no admin CIDRs", { adminCidrs: [] }, "adminCidrs", 'adminCidrs: is empty, but the program connects over SSH from there. Give the address Pulumi runs from, e.g. ["203.0.113.7/32"].'],
  ["SSH from the world", { adminCidrs: ["0.0.0.0/0"] }, "adminCidrs", 'adminCidrs: entry 0 "0.0.0.0/0" opens SSH to the whole internet. Give your own address, e.g. "203.0.113.7/32".'],
  ["SSH from two halves of the world", { adminCidrs: ["203.0.113.7/32", "0.0.0.0/1", "128.0.0.0/1"] }, "adminCidrs", 'adminCidrs: 203.0.113.7/32, 0.0.0.0/1, 128.0.0.0/1 together cover the whole internet, which opens SSH to everyone. Give the ranges you administer from, e.g. ["203.0.113.7/32"].'],
  ["API CIDR with host bits", { apiAllowedCidrs: ["10.0.0.1/16"] }, "apiAllowedCidrs", 'apiAllowedCidrs: entry 0 "10.0.0.1/16" has host bits set. Use "10.0.0.0/16".'],
  ["VPC overlapping pods", { vpcCidr: "10.244.0.0/16" }, "vpcCidr", 'vpcCidr: "10.244.0.0/16" overlaps podSubnet "10.244.0.0/16". Choose ranges that share no address.'],
  ["VPC too small", { vpcCidr: "10.0.0.0/26" }, "vpcCidr", 'vpcCidr: "10.0.0.0/26" has prefix /26; AWS VPCs are /16 to /28 and the subnets need /24 or larger. Use /16 to /24.'],
  ["subnets without vpcId", { privateSubnetIds: ["s1"] }, "privateSubnetIds", "privateSubnetIds: is only used with vpcId. Give vpcId too, or leave both out to create a new VPC."],
  ["vpcId without zones", { vpcId: "vpc-1" }, "zones", "zones: is required with vpcId: subnet i must be in zones[i]. List the zones of your subnets, in order."],
  ["subnet count mismatch", { ...EXISTING, privateSubnetIds: ["s1", "s2"] }, "privateSubnetIds", "privateSubnetIds: has 2 entries but zones has 3. Give one subnet per zone, in zones order."],
  ["bastion without public subnets", { ...EXISTING, publicSubnetIds: undefined }, "publicSubnetIds", 'publicSubnetIds: is required with vpcId for the bastion. Give one public subnet per zone, or set createBastion: false and apiLoadBalancerScheme: "internal".'],
  ["vpcCidr with vpcId", { ...EXISTING, vpcCidr: "10.1.0.0/16" }, "vpcCidr", "vpcCidr: only applies to a VPC the component creates; leave it out when giving vpcId."],
  ["bad scheme", { apiLoadBalancerScheme: "public" }, "apiLoadBalancerScheme", 'apiLoadBalancerScheme: "public" (a string) is not one of "internal", "internet-facing".'],
  ["bad instance type", { controlPlaneInstanceType: "large" }, "controlPlaneInstanceType", 'controlPlaneInstanceType: "large" (a string) is not an EC2 instance type such as "t3.medium".'],
  ["control plane below kubeadm's memory minimum", { controlPlaneInstanceType: "t3.micro" }, "controlPlaneInstanceType", "controlPlaneInstanceType: t3.micro has 1 GiB of memory or less, below kubeadm's minimum for a control plane (2 CPUs, 1700 MB of memory). Use e.g. \"t3.medium\"."],
  ["control plane with 1 vCPU", { controlPlaneInstanceType: "m6g.medium" }, "controlPlaneInstanceType", "controlPlaneInstanceType: m6g.medium has 1 vCPU, below kubeadm's minimum for a control plane (2 CPUs, 1700 MB of memory). Use e.g. \"t3.medium\"."],
  ["tiny root volume", { rootVolumeSizeGiB: 8 }, "rootVolumeSizeGiB", "rootVolumeSizeGiB: 8 is not a whole number of GiB from 20 to 16384. Use e.g. 50."],
  ["public key without private key", { sshPublicKey: KEY }, "sshPrivateKey", "sshPrivateKey: is required with sshPublicKey. Give both halves of your key pair, or neither to generate one."],
  ["malformed public key", { sshPublicKey: "ssh-ed25519", sshPrivateKey: "x" }, "sshPublicKey", 'sshPublicKey: "ssh-ed25519" (a string) is not one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa).'],
  ["rolling two nodes", { rollNodes: ["cp-0", "cp-1"] }, "rollNodes", "rollNodes: has 2 nodes; replacing several at once can lose etcd quorum. Roll one node per update."],
  ["rolling an unknown node", { rollNodes: ["cp-7"] }, "rollNodes", 'rollNodes: entry 0 ("cp-7" (a string)) is not a node of the plan (cp-0, cp-1, cp-2).'],
  ["reserved tag", { tags: { Name: "x" } }, "tags", 'tags: "Name" is set by the component. Choose another key.'],
  ["bad CNI URL", { cniManifestUrl: "calico.yaml" }, "cniManifestUrl", 'cniManifestUrl: "calico.yaml" (a string) is not an http(s) URL. Give a manifest URL, or "" to skip the CNI.'],
  ["external etcd with even members", { etcdTopology: "external", etcdMemberCount: 4 }, "etcdMemberCount", "etcdMemberCount: 4 is even; etcd needs an odd number of voters. Use 3 or 5."],
  ["certificate validity in days", { certificateValidityPeriod: "365d" }, "certificateValidityPeriod", 'certificateValidityPeriod: "365d" is not whole hours from "1h" to "43800h". Give e.g. "8760h" (one year, kubeadm\'s default).'],
  ["renewal window longer than the validity", { certificateValidityPeriod: "240h", certificateRenewal: { renewWithinDays: 30 } }, "certificateRenewal.renewWithinDays", "certificateRenewal.renewWithinDays: 30 days is not shorter than the certificates' validity (240h): every update would renew them. Give fewer days, or a longer certificateValidityPeriod."],
  ["worker token that never lasts", { workerJoinTokenTtlHours: 0 }, "workerJoinTokenTtlHours", "workerJoinTokenTtlHours: 0 is not a whole number of hours from 1 to 8760. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join."],
  ["worker token for over a year", { workerJoinTokenTtlHours: 8761 }, "workerJoinTokenTtlHours", "workerJoinTokenTtlHours: 8761 is not a whole number of hours from 1 to 8760. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join."],
];

describe.each([false, true])("bad arguments throw before any child (preview: %s)", (preview) => {
  let recorder: Recorder;
  beforeAll(async () => {
    recorder = await installAwsMocks(preview);
  });

  test.each(CASES)("%s", async (_title, extra, field, message) => {
    const { HaControlPlane } = await import("../../../src/aws");
    const { ArgumentError } = await import("../../../src/cluster/argumentError");
    const before = recorder.resources.length;
    let caught: unknown;
    try {
      new HaControlPlane("bad", { ...BASE_ARGS, ...extra } as any);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ArgumentError);
    expect(caught).toBeInstanceOf(pulumi.ResourceError);
    expect((caught as { field: string }).field).toBe(field);
    expect((caught as Error).message).toBe(`HaControlPlane bad: ${message}`);
    await settle(recorder, 50);
    expect(recorder.resources.slice(before)).toEqual([]);
    expect(recorder.invokes).toEqual([]);
  });
});

describe("a region with fewer zones than asked", () => {
  test("fails the deployment against the component (one refusal) and creates no child", async () => {
    const recorder = await installAwsMocks(false, {
      "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({ id: "us-west-1", names: ["us-west-1a", "us-west-1c"] }),
    });
    const { HaControlPlane } = await import("../../../src/aws");
    let cluster: InstanceType<typeof HaControlPlane> | undefined;
    const logged = await refusalsDuring(async () => {
      cluster = new HaControlPlane("small", BASE_ARGS);
      await settle(recorder);
    });
    expect(logged).toEqual([
      "HaControlPlane small: zoneCount: the region has 2 available zones (us-west-1a, us-west-1c) but 3 were asked for. Lower zoneCount, give zones, or pick another region.",
    ]);
    expect(recorder.resources.map((r) => r.type)).toEqual(["pulumi-k8s-ha:aws:HaControlPlane"]);
    expect(await (cluster!.kubeconfig as any).isKnown).toBe(false);
  });
});
