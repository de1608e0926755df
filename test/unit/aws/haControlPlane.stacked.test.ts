import * as pulumi from "@pulumi/pulumi";
import { CANONICAL_OWNER_ID, UBUNTU_NOBLE_NAME_PATTERN } from "../../../src/aws/image";
import { MOCK_AWS_AMI_ID } from "../../../src/aws/testing";
import { BASE_ARGS, installAwsMocks, isSecret, named, ofType, outputValue, Recorder, settle, unwrap } from "./support";

const INSTANCE = "aws:ec2/instance:Instance";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

/** Resource options the component gave each child, seen through a (legacy) transformation. */
type SeenOptions = Record<string, pulumi.CustomResourceOptions>;

async function build(preview: boolean, extra: Record<string, unknown> = {}) {
  const recorder = await installAwsMocks(preview);
  const { HaControlPlane } = await import("../../../src/aws");
  const options: SeenOptions = {};
  const cluster = new HaControlPlane("demo", { ...BASE_ARGS, ...extra }, {
    transformations: [(args) => { options[`${args.type}::${args.name}`] = args.opts; return undefined; }],
  });
  await settle(recorder);
  return { recorder, cluster, options };
}

describe.each([false, true])("HaControlPlane, stacked etcd, defaults (preview: %s)", (preview) => {
  let recorder: Recorder;
  let options: SeenOptions;
  beforeAll(async () => ({ recorder, options } = await build(preview)));

  test("looks up zones and the Canonical Ubuntu 24.04 image", () => {
    const ami = recorder.invokes.find((i) => i.token === "aws:ec2/getAmi:getAmi")!;
    expect(ami.inputs.owners).toEqual([CANONICAL_OWNER_ID]);
    expect(ami.inputs.mostRecent).toBe(true);
    expect(ami.inputs.filters).toContainEqual({ name: "name", values: [UBUNTU_NOBLE_NAME_PATTERN] });
    expect(UBUNTU_NOBLE_NAME_PATTERN).toBe("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*");
    const zones = recorder.invokes.find((i) => i.token === "aws:index/getAvailabilityZones:getAvailabilityZones")!;
    expect(zones.inputs.state).toBe("available");
  });

  test("creates a VPC with a public and a private subnet in each of the first 3 zones", () => {
    expect(named(recorder, "aws:ec2/vpc:Vpc", "demo-vpc").inputs).toMatchObject({ cidrBlock: "10.0.0.0/16", enableDnsHostnames: true });
    const subnets = ofType(recorder, "aws:ec2/subnet:Subnet").map((s) => [s.name, s.inputs.availabilityZone, s.inputs.cidrBlock]);
    expect(subnets.sort()).toEqual([
      ["demo-private-0", "us-east-1a", "10.0.0.0/20"],
      ["demo-private-1", "us-east-1b", "10.0.16.0/20"],
      ["demo-private-2", "us-east-1c", "10.0.32.0/20"],
      ["demo-public-0", "us-east-1a", "10.0.128.0/20"],
      ["demo-public-1", "us-east-1b", "10.0.144.0/20"],
      ["demo-public-2", "us-east-1c", "10.0.160.0/20"],
    ]);
    expect(ofType(recorder, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
    expect(ofType(recorder, "aws:ec2/internetGateway:InternetGateway")).toHaveLength(1);
  });

  test("places one control plane per zone in the private subnet, plus a bastion in a public one", () => {
    const instances = ofType(recorder, INSTANCE).map((i) => [i.name, i.inputs.subnetId, i.inputs.associatePublicIpAddress]);
    expect(instances.sort()).toEqual([
      ["demo-bastion", "demo-public-0-id", true],
      ["demo-cp-0", "demo-private-0-id", false],
      ["demo-cp-1", "demo-private-1-id", false],
      ["demo-cp-2", "demo-private-2-id", false],
    ]);
  });

  test.each(["demo-cp-0", "demo-cp-1", "demo-cp-2", "demo-bastion"])("%s: IMDSv2, encrypted gp3 root, tags, key pair", (name) => {
    const inputs = named(recorder, INSTANCE, name).inputs;
    expect(inputs.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(inputs.rootBlockDevice).toMatchObject({ volumeType: "gp3", encrypted: true, deleteOnTermination: true });
    expect(inputs.tags["kubernetes.io/cluster/demo"]).toBe("owned");
    expect(inputs.keyName).toBe("demo-ssh-key");
    if (!preview) expect(inputs.ami).toBe(MOCK_AWS_AMI_ID);
    expect(options[`${INSTANCE}::${name}`].ignoreChanges).toEqual(["ami", "userData"]);
  });

  test("control planes: t3.medium, 50 GiB, cloud-init user data with no secret", () => {
    for (const name of ["demo-cp-0", "demo-cp-1", "demo-cp-2"]) {
      const inputs = named(recorder, INSTANCE, name).inputs;
      expect(inputs.instanceType).toBe("t3.medium");
      expect(inputs.rootBlockDevice.volumeSize).toBe(50);
      expect(inputs.userData).toMatch(/^#cloud-config\n/);
      expect(inputs.userData).toContain(`hostname: ${name.replace("demo-", "")}`);
      expect(inputs.userData).not.toMatch(/PRIVATE KEY|token/i);
    }
  });

  test("only control-plane security group rules, each a separate resource with the exact peers", () => {
    const rules = [...ofType(recorder, INGRESS), ...ofType(recorder, EGRESS)].map((r) => [
      r.name,
      r.inputs.ipProtocol,
      r.inputs.fromPort ?? null,
      r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId,
    ]);
    expect(rules.sort()).toEqual([
      ["demo-api-lb-in-api-cp", "tcp", 6443, "demo-cp-id"],
      ["demo-api-lb-out-cp", "tcp", 6443, "demo-cp-id"],
      ["demo-bastion-in-ssh-0", "tcp", 22, "203.0.113.7/32"],
      ["demo-bastion-out-http", "tcp", 80, "0.0.0.0/0"],
      ["demo-bastion-out-https", "tcp", 443, "0.0.0.0/0"],
      ["demo-bastion-out-ssh-cp", "tcp", 22, "demo-cp-id"],
      ["demo-cp-in-api-cp", "tcp", 6443, "demo-cp-id"],
      ["demo-cp-in-api-lb", "tcp", 6443, "demo-api-lb-id"],
      ["demo-cp-in-bgp", "tcp", 179, "demo-cp-id"],
      ["demo-cp-in-etcd-client", "tcp", 2379, "demo-cp-id"],
      ["demo-cp-in-etcd-peer", "tcp", 2380, "demo-cp-id"],
      ["demo-cp-in-ipip", "4", null, "demo-cp-id"],
      ["demo-cp-in-kubelet", "tcp", 10250, "demo-cp-id"],
      ["demo-cp-in-ssh-bastion", "tcp", 22, "demo-bastion-id"],
      ["demo-cp-in-vxlan", "udp", 4789, "demo-cp-id"],
      ["demo-cp-out-all", "-1", null, "0.0.0.0/0"],
    ]);
    for (const rule of ofType(recorder, INGRESS)) expect(rule.inputs.cidrIpv4).not.toBe("0.0.0.0/0");
  });

  test("an internal NLB with a security group, cross-zone, TCP 6443 to IP targets, HTTPS /readyz checks", () => {
    expect(named(recorder, "aws:lb/loadBalancer:LoadBalancer", "demo-api").inputs).toMatchObject({
      loadBalancerType: "network",
      internal: true,
      enableCrossZoneLoadBalancing: true,
      securityGroups: ["demo-api-lb-id"],
      subnets: ["demo-private-0-id", "demo-private-1-id", "demo-private-2-id"],
    });
    expect(named(recorder, "aws:lb/targetGroup:TargetGroup", "demo-api").inputs).toMatchObject({
      port: 6443,
      protocol: "TCP",
      targetType: "ip",
      preserveClientIp: "false",
      healthCheck: { protocol: "HTTPS", path: "/readyz", port: "traffic-port", matcher: "200" },
    });
    expect(named(recorder, "aws:lb/listener:Listener", "demo-api").inputs).toMatchObject({
      port: 6443,
      protocol: "TCP",
      defaultActions: [{ type: "forward" }],
    });
    const attachments = ofType(recorder, "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => a.name).sort();
    expect(attachments).toEqual(["demo-api-cp-0", "demo-api-cp-1", "demo-api-cp-2"]);
  });

  test("generates an ED25519 SSH key for the EC2 key pair", () => {
    expect(named(recorder, "tls:index/privateKey:PrivateKey", "demo-ssh").inputs.algorithm).toBe("ED25519");
    expect(ofType(recorder, "aws:ec2/keyPair:KeyPair")).toHaveLength(1);
  });

  test("hands the control planes to the cloud-neutral bootstrap", () => {
    expect(named(recorder, "pulumi-k8s-ha:cluster:KubeadmControlPlane", "demo-control-plane")).toBeDefined();
    expect(ofType(recorder, "pulumi-k8s-ha:cluster:EtcdCluster")).toHaveLength(0);
    expect(ofType(recorder, "command:remote:Command").map((c) => c.name)).toEqual(
      expect.arrayContaining(["demo-control-plane-cp-0-init", "demo-control-plane-cp-1-join", "demo-control-plane-cp-2-join"]),
    );
  });
});

describe("HaControlPlane outputs and SSH connections (update)", () => {
  let recorder: Recorder;
  let cluster: Awaited<ReturnType<typeof build>>["cluster"];
  beforeAll(async () => ({ recorder, cluster } = await build(false)));

  test("kubeconfig and SSH key are secrets; the endpoint is the NLB", async () => {
    expect(await isSecret(cluster.kubeconfig)).toBe(true);
    expect(await isSecret(cluster.sshPrivateKey)).toBe(true);
    expect(await isSecret(cluster.apiServerEndpoint)).toBe(false);
    expect(await outputValue(cluster.apiServerEndpoint)).toBe("https://demo-api-0123456789abcdef.elb.us-east-1.amazonaws.com:6443");
    expect(await outputValue(cluster.kubeconfig)).toContain("kind: Config");
  });

  test("worker join material: the CA, its hash, and a secret token and kubeadm join command for the NLB", async () => {
    const { caCertHash } = await import("../../../src/pki/caCertHash");
    const { TESTING_CERTIFICATE_PEM } = await import("../../../src/testing");
    expect(await outputValue(cluster.caCertPem)).toBe(TESTING_CERTIFICATE_PEM);
    expect(await outputValue(cluster.caCertHash)).toBe(caCertHash(TESTING_CERTIFICATE_PEM));
    expect(await isSecret(cluster.caCertHash)).toBe(false);
    expect(await isSecret(cluster.workerJoinToken)).toBe(true);
    expect(await isSecret(cluster.workerJoinCommand)).toBe(true);
    const token = await outputValue(cluster.workerJoinToken);
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    // The token placed by the step on the first control plane, from its standard input.
    expect(String(unwrap(named(recorder, "command:remote:Command", "demo-control-plane-worker-token").inputs.stdin))).toBe(`${token}\n`);
    expect(await outputValue(cluster.workerJoinCommand)).toBe(
      `kubeadm join demo-api-0123456789abcdef.elb.us-east-1.amazonaws.com:6443 --token ${token} --discovery-token-ca-cert-hash ${caCertHash(TESTING_CERTIFICATE_PEM)}`,
    );
  });

  test("nodes per zone, etcd endpoints and quorum report", async () => {
    expect(await outputValue(cluster.nodesByZone)).toEqual({ "us-east-1a": ["cp-0"], "us-east-1b": ["cp-1"], "us-east-1c": ["cp-2"] });
    const nodes = await outputValue(cluster.nodes);
    expect(new Set(nodes.map((n) => n.address)).size).toBe(3);
    const etcd = await outputValue(cluster.etcdEndpoints);
    expect(etcd).toEqual(nodes.map((n) => `https://${n.address}:2379`));
    const quorum = await outputValue(cluster.quorum);
    expect(quorum.etcdTopology).toBe("stacked");
    expect(quorum.plan).toMatchObject({ voters: 3, quorumSize: 2, zoneFailuresTolerated: 1 });
    expect(quorum.observed?.ok).toBe(true);
  });

  test("target IPs are the control planes' private IPs", async () => {
    const nodes = await outputValue(cluster.nodes);
    const targets = ofType(recorder, "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => a.inputs.targetId).sort();
    expect(targets).toEqual(nodes.map((n) => n.address).sort());
  });

  test("commands dial the private IP through the bastion; no secret in any create text or user data", async () => {
    const key = await outputValue(cluster.sshPrivateKey);
    expect(key).toContain("OPENSSH PRIVATE KEY");
    const commands = ofType(recorder, "command:remote:Command");
    const nodes = await outputValue(cluster.nodes);
    const bastion = await outputValue(cluster.bastionPublicIp);
    for (const command of commands) {
      const connection = unwrap(command.inputs.connection);
      expect(nodes.map((n) => n.address)).toContain(connection.host);
      expect(connection.proxy.host).toBe(bastion);
      expect(connection.privateKey).toBe(key);
      const create = String(command.inputs.create);
      expect(create).not.toContain(key.trim().split("\n")[1]);
      expect(create).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    }
    const token = await tokenValue(recorder);
    for (const text of [...commands.map((c) => String(c.inputs.create)), ...ofType(recorder, INSTANCE).map((i) => String(i.inputs.userData))]) {
      expect(text).not.toContain(token);
    }
  });
});

/** The bootstrap token's secret half as the mocks produced it (deterministic from the resource name). */
async function tokenValue(recorder: Recorder): Promise<string> {
  const { k8sHaMocks } = await import("../../../src/testing");
  const secret = named(recorder, "random:index/randomString:RandomString", "demo-control-plane-token-secret");
  const answer = await k8sHaMocks().newResource({ ...secret, custom: true } as any);
  return answer.state.result as string;
}
