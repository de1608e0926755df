/**
 * The resource rules against the AWS resources `HaControlPlane` registers under the library's mocks: the library's
 * defaults pass every rule; one input changed the way a careless edit would makes the rule report the resource
 * and the fix.
 */
import {
  apiOpenToInternetOnlyWhenAllowed,
  imdsv2Required,
  k8sHaPolicies,
  noAdminPortsOpenToInternet,
  volumesEncrypted,
} from "../../../src/policy";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { BASE_ARGS, installAwsMocks, named, type Recorder, settle } from "../aws/support";
import { type Config, plain, resourceArgs, resourceViolations } from "./support";

const INSTANCE = "aws:ec2/instance:Instance";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const RESOURCE_POLICIES = [noAdminPortsOpenToInternet, apiOpenToInternetOnlyWhenAllowed, volumesEncrypted, imdsv2Required];

let recorder: Recorder;

/** Every violation of the resource rules over every registered resource, as `<rule>: <message>`. */
async function allViolations(resources: Recorder["resources"], config: Config = {}): Promise<string[]> {
  const found: string[] = [];
  for (const policy of RESOURCE_POLICIES) {
    for (const resource of resources) {
      for (const message of await resourceViolations(policy, resourceArgs(resource.type, resource.name, resource.inputs, config))) found.push(`${policy.name}: ${message}`);
    }
  }
  return found;
}

/** A registered resource's inputs with `change` applied to a plain copy. */
function changed(type: string, name: string, change: (inputs: Record<string, any>) => void): Record<string, any> {
  const inputs = plain(named(recorder, type, name).inputs);
  change(inputs);
  return inputs;
}

async function violations(policy: ResourceValidationPolicy, type: string, name: string, inputs: Record<string, any>, config: Config = {}): Promise<string[]> {
  return resourceViolations(policy, resourceArgs(type, name, inputs, config));
}

beforeAll(async () => {
  recorder = await installAwsMocks(false);
  const { HaControlPlane } = await import("../../../src/aws");
  new HaControlPlane("demo", { ...BASE_ARGS, apiLoadBalancerScheme: "internet-facing", apiAllowedCidrs: ["198.51.100.0/24"] });
  new HaControlPlane("public", { ...BASE_ARGS, clusterName: "public", etcdTopology: "external", apiLoadBalancerScheme: "internet-facing", apiAllowedCidrs: ["0.0.0.0/0"] });
  await settle(recorder);
});

test("every rule of the pack has its own name and is advisory unless configured", () => {
  const names = k8sHaPolicies.map((policy) => policy.name);
  expect(new Set(names).size).toBe(7);
  expect(names.every((name) => name.startsWith("k8s-ha-"))).toBe(true);
  expect(k8sHaPolicies.map((policy) => policy.enforcementLevel)).toEqual(Array(7).fill(undefined));
});

test("the library's own AWS resources pass every resource rule (stacked and external etcd)", async () => {
  expect(recorder.resources.filter((resource) => resource.type === INSTANCE).length).toBeGreaterThanOrEqual(8);
  const demo = recorder.resources.filter((resource) => resource.name.startsWith("demo"));
  expect(await allViolations(demo)).toEqual([]);
  // "public" opens the API to the world on purpose: only that rule, only its API rule, and only without allowPublicApi
  const open = recorder.resources.filter((resource) => resource.name.startsWith("public"));
  expect(await allViolations(open)).toEqual([
    "k8s-ha-api-open-to-internet-only-when-allowed: aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule public-api-lb-in-api-0 opens the Kubernetes API (TCP 6443) to 0.0.0.0/0. " +
      "List your networks in apiAllowedCidrs, or, if the API is meant to be public, set allowPublicApi: true for policy k8s-ha-api-open-to-internet-only-when-allowed in the policy config.",
  ]);
  expect(await allViolations(open, { allowPublicApi: true })).toEqual([]);
});

describe("no admin port open to the internet", () => {
  test.each([
    ["demo-bastion-in-ssh-0", 22, "0.0.0.0/0"],
    ["demo-cp-in-etcd-client", 2379, "0.0.0.0/0"],
    ["demo-cp-in-etcd-peer", 2380, "::/0"],
    ["demo-cp-in-kubelet", 10250, "0.0.0.0/0"],
  ])("%s opened to the world (port %i) is reported with the fix", async (name, port, cidr) => {
    const inputs = changed(INGRESS, name, (rule) => {
      delete rule.referencedSecurityGroupId;
      if (cidr === "::/0") rule.cidrIpv6 = cidr;
      else rule.cidrIpv4 = cidr;
    });
    expect(await violations(noAdminPortsOpenToInternet, INGRESS, name, inputs)).toEqual([
      `${INGRESS} ${name} opens TCP port ${port} to ${cidr}. Admit only your admin networks or another security group / network tag ` +
        "(SSH through a bastion; etcd and the kubelet only from the control planes).",
    ]);
  });

  test("an all-protocol rule from the world, an inline security group rule and a SecurityGroupRule are caught; egress and admin CIDRs are not", async () => {
    const allTraffic = { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" };
    expect(await violations(noAdminPortsOpenToInternet, INGRESS, "all", allTraffic)).toHaveLength(4);
    const group = { ingress: [{ protocol: "tcp", fromPort: 2000, toPort: 2400, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }], egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] };
    expect(await violations(noAdminPortsOpenToInternet, "aws:ec2/securityGroup:SecurityGroup", "sg", group)).toEqual([
      expect.stringContaining("aws:ec2/securityGroup:SecurityGroup sg opens TCP port 2379 to 0.0.0.0/0."),
      expect.stringContaining("sg opens TCP port 2380 to 0.0.0.0/0."),
    ]);
    const rule = { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" };
    expect(await violations(noAdminPortsOpenToInternet, "aws:ec2/securityGroupRule:SecurityGroupRule", "ssh", rule)).toHaveLength(1);
    expect(await violations(noAdminPortsOpenToInternet, "aws:ec2/securityGroupRule:SecurityGroupRule", "out", { ...rule, type: "egress" })).toEqual([]);
    const egress = plain(named(recorder, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "demo-cp-out-all").inputs);
    expect(egress.cidrIpv4).toBe("0.0.0.0/0");
    expect(await violations(noAdminPortsOpenToInternet, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "demo-cp-out-all", egress)).toEqual([]);
  });

  test("the ports are policy config", async () => {
    const inputs = changed(INGRESS, "demo-bastion-in-ssh-0", (rule) => (rule.cidrIpv4 = "0.0.0.0/0"));
    expect(await violations(noAdminPortsOpenToInternet, INGRESS, "demo-bastion-in-ssh-0", inputs, { ports: [2379] })).toEqual([]);
  });
});

describe("the API open to the internet only when allowed", () => {
  test("the library's API rule changed to the world is reported; allowPublicApi: true accepts it; another apiServerPort is followed", async () => {
    const inputs = changed(INGRESS, "demo-api-lb-in-api-0", (rule) => (rule.cidrIpv4 = "0.0.0.0/0"));
    expect(await violations(apiOpenToInternetOnlyWhenAllowed, INGRESS, "demo-api-lb-in-api-0", inputs)).toEqual([
      expect.stringMatching(/^aws:vpc\/securityGroupIngressRule:SecurityGroupIngressRule demo-api-lb-in-api-0 opens the Kubernetes API \(TCP 6443\) to 0\.0\.0\.0\/0\. List your networks in apiAllowedCidrs, or.*allowPublicApi: true/),
    ]);
    expect(await violations(apiOpenToInternetOnlyWhenAllowed, INGRESS, "demo-api-lb-in-api-0", inputs, { allowPublicApi: true })).toEqual([]);
    expect(await violations(apiOpenToInternetOnlyWhenAllowed, INGRESS, "demo-api-lb-in-api-0", inputs, { apiServerPort: 8443 })).toEqual([]);
  });
});

describe("encrypted volumes", () => {
  test("a control plane's root volume unencrypted, or an unencrypted extra EBS device, is reported with the fix", async () => {
    const inputs = changed(INSTANCE, "demo-cp-0", (instance) => {
      instance.rootBlockDevice.encrypted = false;
      instance.ebsBlockDevices = [{ deviceName: "/dev/sdf", volumeSize: 50, encrypted: true }, { deviceName: "/dev/sdg", volumeSize: 50 }];
    });
    expect(await violations(volumesEncrypted, INSTANCE, "demo-cp-0", inputs)).toEqual([
      `${INSTANCE} demo-cp-0: rootBlockDevice is not encrypted as required; set encrypted: true (with kmsKeyId for your own KMS key); an account's EBS encryption-by-default is not visible to a policy.`,
      `${INSTANCE} demo-cp-0: ebsBlockDevices[1] is not encrypted as required; set encrypted: true (with kmsKeyId for your own KMS key); an account's EBS encryption-by-default is not visible to a policy.`,
    ]);
    const noRoot = changed(INSTANCE, "demo-bastion", (instance) => delete instance.rootBlockDevice);
    expect(await violations(volumesEncrypted, INSTANCE, "demo-bastion", noRoot)).toEqual([expect.stringContaining("demo-bastion: rootBlockDevice is not encrypted")]);
  });

  test("launch templates (encrypted is a string there) and EBS volumes", async () => {
    const template = (encrypted: string | undefined) => ({ blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { volumeSize: 40, volumeType: "gp3", encrypted } }, { deviceName: "/dev/sdb", virtualName: "ephemeral0" }] });
    expect(await violations(volumesEncrypted, "aws:ec2/launchTemplate:LaunchTemplate", "lt", template("true"))).toEqual([]);
    expect(await violations(volumesEncrypted, "aws:ec2/launchTemplate:LaunchTemplate", "lt", template(undefined))).toEqual([
      expect.stringContaining("aws:ec2/launchTemplate:LaunchTemplate lt: blockDeviceMappings[0].ebs is not encrypted as required; set encrypted: true"),
    ]);
    expect(await violations(volumesEncrypted, "aws:ebs/volume:Volume", "data", { availabilityZone: "us-east-1a", size: 10, encrypted: false })).toEqual([
      expect.stringContaining("aws:ebs/volume:Volume data: the volume is not encrypted as required"),
    ]);
  });
});

describe("IMDSv2 required", () => {
  test.each([
    ["optional", `metadataOptions.httpTokens is "optional"`],
    [undefined, "metadataOptions.httpTokens is not set (IMDSv1 allowed)"],
  ])("a control plane with httpTokens %p is reported with the fix", async (httpTokens, said) => {
    const inputs = changed(INSTANCE, "demo-cp-1", (instance) => (instance.metadataOptions = { httpEndpoint: "enabled", httpTokens }));
    expect(await violations(imdsv2Required, INSTANCE, "demo-cp-1", inputs)).toEqual([
      `${INSTANCE} demo-cp-1: ${said}. Set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } so only IMDSv2 session tokens reach the instance metadata (and pods cannot).`,
    ]);
  });

  test("launch templates: required passes, missing metadata options fail, a disabled endpoint passes", async () => {
    const LT = "aws:ec2/launchTemplate:LaunchTemplate";
    expect(await violations(imdsv2Required, LT, "lt", { metadataOptions: { httpTokens: "required" } })).toEqual([]);
    expect(await violations(imdsv2Required, LT, "lt", { imageId: "ami-1" })).toEqual([expect.stringContaining(`${LT} lt: metadataOptions.httpTokens is not set`)]);
    expect(await violations(imdsv2Required, LT, "lt", { metadataOptions: { httpEndpoint: "disabled" } })).toEqual([]);
  });
});
