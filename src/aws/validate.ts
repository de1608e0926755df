import * as pulumi from "@pulumi/pulumi";
import { parseCloudCidr, refuseWholeInternet } from "../cloud/cidr";
import { controlPlaneSize, ec2BelowKubeadmMinimum } from "../cloud/kubeadmMinimum";
import type { CloudSettings } from "../cloud/settings";
import { checkNowOrWhenKnown, type LateCheck } from "../cluster/lateInputs";
import { topologySettings, validateCloudCluster, validatePassThrough } from "../cloud/validate";
import { cidrsOverlap, formatCidr, parseIpv4Cidr } from "../topology/cidr";
import { optionalBoolean, requirePositiveInteger, validateZones } from "../topology/checks";
import { describeValue } from "../topology/describe";
import { TopologyError } from "../topology/errors";
import { planTopology } from "../topology/plan";
import type { ClusterSettings, TopologyPlan } from "../topology/types";
import type { ApiLoadBalancerScheme, HaControlPlaneArgs, NatGatewayMode } from "./args";
import type { ValidatedAwsBackup } from "./validateBackup";

/** Largest zone count of a VPC the component creates: 2 subnets per zone, each 1/16 of the VPC. */
const MAX_CREATED_ZONES = 8;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const PUBLIC_KEY = /^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/** {@link HaControlPlaneArgs} validated with defaults filled: what the component builds from. */
export interface AwsSettings extends CloudSettings {
  /** Existing network; undefined when the component creates the VPC. */
  existing?: { vpcId: pulumi.Input<string>; privateSubnetIds: pulumi.Input<string>[]; publicSubnetIds?: pulumi.Input<string>[] };
  /** CIDR of the VPC to create (only without `existing`). */
  vpcCidr?: string;
  /** NAT gateways of a created VPC. */
  natGateways: NatGatewayMode;
  /** Instance type of the bastion. */
  bastionInstanceType: string;
  /** Instance type of the control planes. */
  controlPlaneInstanceType: string;
  /** Instance type of the etcd members. */
  etcdInstanceType: string;
  /** Root volume size in GiB. */
  rootVolumeSizeGiB: number;
  /** KMS key of the root volumes. */
  rootVolumeKmsKeyId?: pulumi.Input<string>;
  /** A user-given key pair; undefined means "generate one". The private key is wrapped as a secret. */
  userKey?: { publicKey: pulumi.Input<string>; privateKey: pulumi.Output<string> };
  /** User tags. */
  tags: Record<string, string>;
  /** Scheduled snapshots to S3 (checked by `validateAwsBackup`); undefined without them. */
  etcdBackup?: ValidatedAwsBackup;
}

/**
 * Validates every argument of {@link HaControlPlaneArgs} that shapes the resource graph and fills defaults.
 * Pure and synchronous: throws a {@link TopologyError} naming the field before anything is created.
 */
export function validateAwsArgs(args: HaControlPlaneArgs): AwsSettings {
  if (typeof args !== "object" || args === null) {
    throw new TopologyError("args", `${describeValue(args)} is not an object. Pass { clusterName, adminCidrs, ... }.`);
  }
  const existing = validateExistingNetwork(args);
  const zones = args.zones === undefined ? undefined : validateZones(args.zones);
  const zoneCount = validateZoneCount(args, zones, existing !== undefined);
  const vpcCidr = existing ? undefined : validateVpcCidr(args.vpcCidr ?? "10.0.0.0/16");
  const cluster = validateCloudCluster(args);
  if (vpcCidr) checkVpcOverlap(vpcCidr, cluster);

  const topology = topologySettings(args);
  const late: LateCheck[] = [];
  const plan = planTopology({ ...topology, zones: zones ?? Array.from({ length: zoneCount }, (_, i) => `zone-${i}`) });
  const scheme = oneOf<ApiLoadBalancerScheme>(args.apiLoadBalancerScheme, "apiLoadBalancerScheme", ["internal", "internet-facing"], "internal");
  const createBastion = optionalBoolean(args.createBastion, "createBastion", true);
  if (existing && !existing.publicSubnetIds && (createBastion || scheme === "internet-facing")) {
    const why = createBastion ? "the bastion" : "an internet-facing load balancer";
    throw new TopologyError("publicSubnetIds", `is required with vpcId for ${why}. Give one public subnet per zone, or set createBastion: false and apiLoadBalancerScheme: "internal".`);
  }

  return {
    cluster,
    zones,
    zoneCount,
    plan,
    ...topology,
    existing,
    vpcCidr,
    natGateways: oneOf<NatGatewayMode>(args.natGateways, "natGateways", ["perZone", "single"], "perZone"),
    apiLoadBalancerScheme: scheme,
    apiAllowedCidrs: checkNowOrWhenKnown(args.apiAllowedCidrs ?? [], (cidrs) => cidrList(cidrs, "apiAllowedCidrs", true), late),
    adminCidrs: checkNowOrWhenKnown(args.adminCidrs, validateAdminCidrs, late),
    createBastion,
    bastionInstanceType: instanceType(args.bastionInstanceType, "bastionInstanceType", "t3.micro"),
    imageId: args.imageId,
    sshUser: matching(args.sshUser ?? "ubuntu", "sshUser", LINUX_USER, "a Linux user name such as \"ubuntu\""),
    controlPlaneInstanceType: controlPlaneSize(instanceType(args.controlPlaneInstanceType, "controlPlaneInstanceType", "t3.medium"), "controlPlaneInstanceType", ec2BelowKubeadmMinimum, "t3.medium"),
    etcdInstanceType: instanceType(args.etcdInstanceType, "etcdInstanceType", "t3.small"),
    rootVolumeSizeGiB: validateVolumeSize(args.rootVolumeSizeGiB ?? 50),
    rootVolumeKmsKeyId: args.rootVolumeKmsKeyId,
    userKey: validateUserKey(args, late),
    replaceOnImageChange: optionalBoolean(args.replaceOnImageChange, "replaceOnImageChange", false),
    rollNodes: validateRollNodes(args.rollNodes ?? [], plan),
    tags: validateTags(args.tags ?? {}),
    ...validatePassThrough(args, late),
    lateChecks: late,
  };
}

/** `vpcId` with its subnets, or none of them. */
function validateExistingNetwork(args: HaControlPlaneArgs): AwsSettings["existing"] {
  if (args.vpcId === undefined) {
    for (const field of ["privateSubnetIds", "publicSubnetIds"] as const) {
      if (args[field] !== undefined) {
        throw new TopologyError(field, "is only used with vpcId. Give vpcId too, or leave both out to create a new VPC.");
      }
    }
    return undefined;
  }
  for (const field of ["vpcCidr", "natGateways"] as const) {
    if (args[field] !== undefined) {
      throw new TopologyError(field, "only applies to a VPC the component creates; leave it out when giving vpcId.");
    }
  }
  if (args.zones === undefined) {
    throw new TopologyError("zones", "is required with vpcId: subnet i must be in zones[i]. List the zones of your subnets, in order.");
  }
  const zoneCount = Array.isArray(args.zones) ? args.zones.length : 0;
  const privateSubnetIds = subnetList(args.privateSubnetIds, "privateSubnetIds", zoneCount, true)!;
  const publicSubnetIds = subnetList(args.publicSubnetIds, "publicSubnetIds", zoneCount, false);
  return { vpcId: args.vpcId, privateSubnetIds, publicSubnetIds };
}

/** A subnet list with exactly one entry per zone. */
function subnetList(value: unknown, field: string, zoneCount: number, required: boolean): pulumi.Input<string>[] | undefined {
  if (value === undefined && !required) return undefined;
  if (!Array.isArray(value) || value.length !== zoneCount) {
    const got = Array.isArray(value) ? `${value.length} entries` : describeValue(value);
    throw new TopologyError(field, `has ${got} but zones has ${zoneCount}. Give one subnet per zone, in zones order.`);
  }
  return value;
}

/** Zone count: from `zones`, else `zoneCount` (default 3). */
function validateZoneCount(args: HaControlPlaneArgs, zones: string[] | undefined, existingNetwork: boolean): number {
  if (zones && args.zoneCount !== undefined) {
    throw new TopologyError("zoneCount", "is only used without zones. Give either zones or zoneCount, not both.");
  }
  const count = zones ? zones.length : requirePositiveInteger(args.zoneCount ?? 3, "zoneCount", 3);
  if (!existingNetwork && count > MAX_CREATED_ZONES) {
    throw new TopologyError(zones ? "zones" : "zoneCount", `${count} zones is more than the ${MAX_CREATED_ZONES} a created VPC is split into. Use at most ${MAX_CREATED_ZONES}.`);
  }
  return count;
}

/** VPC CIDR: canonical IPv4, /16 to /24. */
function validateVpcCidr(value: unknown): string {
  const cidr = parseCloudCidr(value, "vpcCidr");
  if (cidr.prefix < 16 || cidr.prefix > 24) {
    throw new TopologyError("vpcCidr", `"${formatCidr(cidr)}" has prefix /${cidr.prefix}; AWS VPCs are /16 to /28 and the subnets need /24 or larger. Use /16 to /24.`);
  }
  return formatCidr(cidr);
}

/** The created VPC must not overlap the pod or service network. */
function checkVpcOverlap(vpcCidr: string, cluster: ClusterSettings): void {
  const vpc = parseIpv4Cidr(vpcCidr)!;
  for (const [field, value] of [["podSubnet", cluster.podSubnet], ["serviceSubnet", cluster.serviceSubnet]] as const) {
    if (cidrsOverlap(vpc, parseIpv4Cidr(value)!)) {
      throw new TopologyError("vpcCidr", `"${vpcCidr}" overlaps ${field} "${value}". Choose ranges that share no address.`);
    }
  }
}

/** A list of CIDRs; `/0` refused unless `allowWorld`. */
function cidrList(value: unknown, field: string, allowWorld: boolean): string[] {
  if (!Array.isArray(value)) {
    throw new TopologyError(field, `${describeValue(value)} is not a list. Give CIDRs such as ["203.0.113.7/32"].`);
  }
  const cidrs = value.map((entry: unknown, index) => {
    const cidr = parseCloudCidr(entry, field, `entry ${index} `);
    if (!allowWorld && cidr.prefix === 0) {
      throw new TopologyError(field, `entry ${index} "${entry}" opens SSH to the whole internet. Give your own address, e.g. "203.0.113.7/32".`);
    }
    return cidr;
  });
  if (!allowWorld) refuseWholeInternet(cidrs, field);
  return cidrs.map(formatCidr);
}

/** adminCidrs: required, non-empty, no `/0`. */
function validateAdminCidrs(value: unknown): string[] {
  const cidrs = cidrList(value ?? "missing", "adminCidrs", false);
  if (cidrs.length === 0) {
    throw new TopologyError("adminCidrs", "is empty, but the program connects over SSH from there. Give the address Pulumi runs from, e.g. [\"203.0.113.7/32\"].");
  }
  return cidrs;
}

/** One of a fixed set of strings. */
function oneOf<T extends string>(value: unknown, field: string, allowed: T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new TopologyError(field, `${describeValue(value)} is not one of ${allowed.map((a) => `"${a}"`).join(", ")}.`);
  }
  return value as T;
}

/** A string matching `pattern`. */
function matching(value: unknown, field: string, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new TopologyError(field, `${describeValue(value)} is not ${what}.`);
  }
  return value;
}

/** An EC2 instance type such as `t3.medium`. */
function instanceType(value: unknown, field: string, fallback: string): string {
  return matching(value ?? fallback, field, INSTANCE_TYPE, `an EC2 instance type such as "${fallback}"`);
}

/** Root volume size: integer GiB, 20 to 16384 (gp3 maximum). */
function validateVolumeSize(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 20 || value > 16384) {
    throw new TopologyError("rootVolumeSizeGiB", `${describeValue(value)} is not a whole number of GiB from 20 to 16384. Use e.g. 50.`);
  }
  return value;
}

/** `sshPublicKey` and `sshPrivateKey` come together; the private key becomes a secret. An output public key is checked late. */
function validateUserKey(args: HaControlPlaneArgs, late: LateCheck[]): AwsSettings["userKey"] {
  if ((args.sshPublicKey === undefined) !== (args.sshPrivateKey === undefined)) {
    const missing = args.sshPublicKey === undefined ? "sshPublicKey" : "sshPrivateKey";
    const given = missing === "sshPublicKey" ? "sshPrivateKey" : "sshPublicKey";
    throw new TopologyError(missing, `is required with ${given}. Give both halves of your key pair, or neither to generate one.`);
  }
  if (args.sshPublicKey === undefined || args.sshPrivateKey === undefined) return undefined;
  const publicKey = checkNowOrWhenKnown(args.sshPublicKey, (key) => matching(key, "sshPublicKey", PUBLIC_KEY, "one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa)"), late);
  return { publicKey, privateKey: pulumi.secret(args.sshPrivateKey) };
}

/** rollNodes: at most one planned node name. */
function validateRollNodes(value: unknown, plan: TopologyPlan): string[] {
  if (!Array.isArray(value)) {
    throw new TopologyError("rollNodes", `${describeValue(value)} is not a list. Give node names such as ["cp-0"].`);
  }
  const names = plan.nodes.map((node) => node.name);
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== "string" || !names.includes(entry)) {
      throw new TopologyError("rollNodes", `entry ${index} (${describeValue(entry)}) is not a node of the plan (${names.join(", ")}).`);
    }
  });
  if (value.length > 1) {
    throw new TopologyError("rollNodes", `has ${value.length} nodes; replacing several at once can lose etcd quorum. Roll one node per update.`);
  }
  return value as string[];
}

/** Tags: string values, no reserved `aws:` prefix, none of the component's own keys. */
function validateTags(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TopologyError("tags", `${describeValue(value)} is not an object of string values.`);
  }
  for (const [key, tag] of Object.entries(value)) {
    if (typeof tag !== "string") throw new TopologyError("tags", `"${key}" has ${describeValue(tag)}; tag values must be strings.`);
    if (key.startsWith("aws:")) throw new TopologyError("tags", `"${key}" uses the reserved "aws:" prefix. Choose another key.`);
    if (key === "Name" || key.startsWith("kubernetes.io/cluster/")) {
      throw new TopologyError("tags", `"${key}" is set by the component. Choose another key.`);
    }
  }
  return value as Record<string, string>;
}
