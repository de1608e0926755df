import { refusalsDuring } from "../../../src/testing";
import * as pulumi from "@pulumi/pulumi";
import { awsMockExistingNetwork } from "../../../src/testing";
import { BASE_ARGS, installAwsMocks, named, ofType, outputValue, Recorder, settle, unwrap } from "./support";

const INSTANCE = "aws:ec2/instance:Instance";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** The VPC and subnets of the existing-network cases, as the cloud would describe them. */
const EXISTING_NETWORK = awsMockExistingNetwork(
  { "vpc-123": "172.20.0.0/16", "vpc-other": "172.21.0.0/16" },
  Object.fromEntries(
    ["a", "b", "c"].flatMap((zone) => [
      [`subnet-${zone}`, { availabilityZone: `eu-west-1${zone}`, vpcId: "vpc-123" }],
      [`subnet-p${zone}`, { availabilityZone: `eu-west-1${zone}`, vpcId: "vpc-123" }],
      [`subnet-x${zone}`, { availabilityZone: `eu-west-1${zone}`, vpcId: "vpc-other" }],
    ]),
  ),
);

async function build(preview: boolean, name: string, extra: Record<string, unknown>) {
  const recorder = await installAwsMocks(preview, EXISTING_NETWORK);
  const { HaControlPlane } = await import("../../../src/aws");
  const options: Record<string, pulumi.CustomResourceOptions> = {};
  const cluster = new HaControlPlane(name, { ...BASE_ARGS, ...extra }, {
    transformations: [(args) => { options[args.name] = args.opts; return undefined; }],
  });
  await settle(recorder);
  return { recorder, cluster, options };
}

describe.each([false, true])("external etcd (preview: %s)", (preview) => {
  let recorder: Recorder;
  beforeAll(async () => ({ recorder } = await build(preview, "ext", { etcdTopology: "external", etcdMemberCount: 3 })));

  test("3 control planes and 3 etcd members, one of each per zone", () => {
    const instances = ofType(recorder, INSTANCE).filter((i) => i.name !== "ext-bastion").map((i) => [i.name, i.inputs.subnetId, i.inputs.instanceType, i.inputs.vpcSecurityGroupIds]);
    expect(instances.sort()).toEqual([
      ["ext-cp-0", "ext-private-0-id", "t3.medium", ["ext-cp-id"]],
      ["ext-cp-1", "ext-private-1-id", "t3.medium", ["ext-cp-id"]],
      ["ext-cp-2", "ext-private-2-id", "t3.medium", ["ext-cp-id"]],
      ["ext-etcd-0", "ext-private-0-id", "t3.small", ["ext-etcd-id"]],
      ["ext-etcd-1", "ext-private-1-id", "t3.small", ["ext-etcd-id"]],
      ["ext-etcd-2", "ext-private-2-id", "t3.small", ["ext-etcd-id"]],
    ]);
    expect(named(recorder, INSTANCE, "ext-etcd-0").inputs.userData).toContain("install_etcd");
  });

  test("etcd ports: 2379 from control planes (and members), 2380 only between members; none on control planes", () => {
    const etcdRules = ofType(recorder, INGRESS).filter((r) => [2379, 2380].includes(r.inputs.fromPort)).map((r) => [r.name, r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.referencedSecurityGroupId]);
    expect(etcdRules.sort()).toEqual([
      ["ext-etcd-in-client-cp", "ext-etcd-id", 2379, "ext-cp-id"],
      ["ext-etcd-in-client-etcd", "ext-etcd-id", 2379, "ext-etcd-id"],
      ["ext-etcd-in-peer", "ext-etcd-id", 2380, "ext-etcd-id"],
    ]);
    expect(named(recorder, INGRESS, "ext-etcd-in-ssh-bastion").inputs.referencedSecurityGroupId).toBe("ext-bastion-id");
  });

  test("only control planes are load balancer targets; an EtcdCluster runs before the control plane", () => {
    expect(ofType(recorder, "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => a.name).sort()).toEqual(["ext-api-cp-0", "ext-api-cp-1", "ext-api-cp-2"]);
    expect(named(recorder, "pulumi-k8s-ha:cluster:EtcdCluster", "ext-etcd-cluster")).toBeDefined();
  });
});

describe("existing VPC, no bastion, internet-facing API open to the world, own key", () => {
  let recorder: Recorder;
  let cluster: Awaited<ReturnType<typeof build>>["cluster"];
  const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nUSER-KEY\n-----END OPENSSH PRIVATE KEY-----\n";
  beforeAll(async () => ({ recorder, cluster } = await build(false, "own", {
    zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    vpcId: "vpc-123",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    publicSubnetIds: ["subnet-pa", "subnet-pb", "subnet-pc"],
    createBastion: false,
    apiLoadBalancerScheme: "internet-facing",
    apiAllowedCidrs: ["0.0.0.0/0"],
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3m0ck user@laptop",
    sshPrivateKey: PRIVATE_KEY,
  })));

  test("creates no network and makes no zone lookup", () => {
    for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"]) {
      expect(ofType(recorder, type)).toEqual([]);
    }
    expect(ofType(recorder, "tls:index/privateKey:PrivateKey").map((k) => k.name)).not.toContain("own-ssh");
    expect(recorder.invokes.map((i) => i.token)).not.toContain("aws:index/getAvailabilityZones:getAvailabilityZones");
    expect(named(recorder, "aws:ec2/keyPair:KeyPair", "own-ssh").inputs.publicKey).toBe("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3m0ck user@laptop");
  });

  test("machines in the given subnets; NLB in the public ones", () => {
    expect(ofType(recorder, INSTANCE).map((i) => [i.name, i.inputs.subnetId]).sort()).toEqual([
      ["own-cp-0", "subnet-a"],
      ["own-cp-1", "subnet-b"],
      ["own-cp-2", "subnet-c"],
    ]);
    expect(named(recorder, "aws:lb/loadBalancer:LoadBalancer", "own-api").inputs).toMatchObject({ internal: false, subnets: ["subnet-pa", "subnet-pb", "subnet-pc"] });
  });

  test("the API port is the only ingress open to 0.0.0.0/0; SSH comes from adminCidrs", () => {
    const world = ofType(recorder, INGRESS).filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0").map((r) => [r.name, r.inputs.fromPort, r.inputs.securityGroupId]);
    expect(world).toEqual([["own-api-lb-in-api-0", 6443, "own-api-lb-id"]]);
    expect(named(recorder, INGRESS, "own-cp-in-ssh-0").inputs).toMatchObject({ fromPort: 22, cidrIpv4: "203.0.113.7/32" });
  });

  test("commands dial directly with the user's key, kept secret", async () => {
    const commands = ofType(recorder, "command:remote:Command");
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const connection = unwrap(command.inputs.connection);
      expect(connection.proxy).toBeUndefined();
      expect(connection.privateKey).toBe(PRIVATE_KEY);
      expect(String(command.inputs.create)).not.toContain("USER-KEY");
    }
    expect(await (cluster.sshPrivateKey as any).isSecret).toBe(true);
    expect(await outputValue(cluster.bastionPublicIp)).toBeUndefined();
  });
});

describe("image and user-data changes", () => {
  test.each([
    ["default: every machine ignores them", {}, { "r1-cp-0": ["ami", "userData"], "r1-cp-1": ["ami", "userData"], "r1-bastion": ["ami", "userData"] }],
    ["rollNodes: only the named node follows", { rollNodes: ["cp-1"] }, { "r1-cp-0": ["ami", "userData"], "r1-cp-1": [], "r1-bastion": ["ami", "userData"] }],
    ["replaceOnImageChange: every machine follows", { replaceOnImageChange: true }, { "r1-cp-0": [], "r1-cp-1": [], "r1-bastion": [] }],
  ])("%s", async (_title, extra, expected) => {
    const { options } = await build(false, "r1", extra);
    for (const [name, ignore] of Object.entries(expected)) expect([name, options[name].ignoreChanges]).toEqual([name, ignore]);
  });

  test("user data changes replace (cloud-init only runs on first boot)", async () => {
    const { recorder } = await build(false, "r2", {});
    expect(named(recorder, INSTANCE, "r2-cp-0").inputs.userDataReplaceOnChange).toBe(true);
  });
});

describe("existing VPC checked against the plan before any child", () => {
  const given = { zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], vpcId: "vpc-123", createBastion: false, apiLoadBalancerScheme: "internal" };
  test.each<[string, Record<string, unknown>, string]>([
    ["a subnet in another zone than the plan counts it in", { privateSubnetIds: ["subnet-a", "subnet-c", "subnet-b"] }, "privateSubnetIds[1]: subnet-c is in eu-west-1c, but zones[1] is eu-west-1b: the quorum plan would count its machines in the wrong zone."],
    ["a subnet of another VPC", { privateSubnetIds: ["subnet-a", "subnet-xb", "subnet-c"] }, "privateSubnetIds[1]: subnet-xb belongs to vpc-other, not vpcId vpc-123."],
    ["one subnet as private and public", { privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"], publicSubnetIds: ["subnet-a", "subnet-pb", "subnet-pc"] }, "publicSubnetIds[0]: subnet-a is also privateSubnetIds[0]."],
    ["a VPC overlapping the pod range", { privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"], podSubnet: "172.20.128.0/17" }, "vpcId: vpc-123 (172.20.0.0/16) overlaps podSubnet 172.20.128.0/17"],
  ])("%s fails the preview against the component, and no child is created", async (_label, extra, message) => {
    let recorder: Awaited<ReturnType<typeof build>>["recorder"] | undefined;
    const logged = await refusalsDuring(async () => {
      recorder = (await build(true, "given", { ...given, ...extra })).recorder;
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`HaControlPlane given: ${message}`);
    expect(recorder!.resources.map((r) => r.type)).toEqual(["pulumi-k8s-ha:aws:HaControlPlane"]);
    expect(recorder!.invokes.map((invoke) => invoke.token)).toContain("aws:ec2/getSubnet:getSubnet");
  });
});
