import * as pulumi from "@pulumi/pulumi";
import { parseCloudCidr } from "../cloud/cidr";
import { controlPlaneSize, gceBelowKubeadmMinimum } from "../cloud/kubeadmMinimum";
import { checkNowOrWhenKnown, type LateCheck } from "../cluster/lateInputs";
import type { CloudSettings } from "../cloud/settings";
import { topologySettings, validateCloudCluster, validatePassThrough, type TopologySettings } from "../cloud/validate";
import { optionalBoolean, requirePositiveInteger } from "../topology/checks";
import { cidrsOverlap, formatCidr, parseIpv4Cidr } from "../topology/cidr";
import { describeValue } from "../topology/describe";
import { TopologyError } from "../topology/errors";
import { planTopology } from "../topology/plan";
import type { ClusterSettings, EtcdTopology, TopologyPlan } from "../topology/types";
import type { ApiLoadBalancerScheme, HaControlPlaneArgs } from "./args";
import type { ValidatedGcpBackup } from "./validateBackup";
import {
  checkRegion,
  checkSshKeyPair,
  checkZonesInRegion,
  cidrList,
  integerInRange,
  labelMap,
  loginName,
  machineType,
} from "./checks";

/** Defaults of {@link HaControlPlaneArgs}. */
export const GCP_DEFAULTS = {
  zoneCount: 3,
  controlPlaneCount: 3,
  etcdTopology: "stacked" as EtcdTopology,
  subnetCidr: "10.10.0.0/24",
  apiLoadBalancerScheme: "internal" as ApiLoadBalancerScheme,
  bastionMachineType: "e2-micro",
  controlPlaneMachineType: "e2-standard-2",
  etcdMachineType: "e2-medium",
  bootDiskSizeGiB: 50,
  sshUser: "ubuntu",
  imageProject: "ubuntu-os-cloud",
  imageFamily: "ubuntu-2404-lts-amd64",
};

/** {@link HaControlPlaneArgs} validated with defaults filled: everything the component needs besides the zones. */
export interface GcpSettings extends CloudSettings {
  /** Region of every regional resource. */
  region: string;
  /** Existing network, or undefined to create one. */
  network?: pulumi.Input<string>;
  /** Existing subnetwork (with `network`). */
  subnetwork?: pulumi.Input<string>;
  /** Range of the subnetwork the component creates (undefined with an existing network). */
  subnetCidr?: string;
  /** Machine type of the bastion. */
  bastionMachineType: string;
  /** Machine type of the control planes. */
  controlPlaneMachineType: string;
  /** Machine type of the external etcd members. */
  etcdMachineType: string;
  /** Boot disk size in GiB. */
  bootDiskSizeGiB: number;
  /** The user's public key (trimmed), or undefined to generate a pair. */
  sshPublicKey?: pulumi.Input<string>;
  /** The user's private key (secret), or undefined to generate a pair. */
  sshPrivateKey?: pulumi.Input<string>;
  /** Extra labels. */
  labels: Record<string, string>;
  /** Scheduled snapshots to Cloud Storage (checked by `validateGcpBackup`); undefined without them. */
  etcdBackup?: ValidatedGcpBackup;
}

/**
 * Validates every argument that does not need the cloud, fills defaults and plans the topology (over the given
 * zones, or over `zoneCount` placeholder zones). Pure; throws a {@link TopologyError} naming the argument at
 * fault, so the component calls it before creating any child. `configRegion` is the `gcp:region` setting.
 */
export function validateGcpArgs(args: HaControlPlaneArgs, configRegion: string | undefined): GcpSettings {
  if (typeof args !== "object" || args === null) {
    throw new TopologyError("args", `${describeValue(args)} is not an arguments object. Give at least clusterName and adminCidrs.`);
  }
  const createNetwork = checkNetwork(args);
  const cluster = validateCloudCluster(args);
  const subnetCidr = createNetwork ? checkSubnetCidr(args.subnetCidr ?? GCP_DEFAULTS.subnetCidr, cluster) : undefined;
  const region = checkRegion(args.region ?? configRegion);

  if (args.zones !== undefined && args.zoneCount !== undefined) {
    throw new TopologyError("zoneCount", "is given together with zones. Give zones, or zoneCount to read zones from the region.");
  }
  const zoneCount = args.zoneCount === undefined ? GCP_DEFAULTS.zoneCount : requirePositiveInteger(args.zoneCount, "zoneCount", 3);
  const topology = topologySettings(args);
  const plan =
    args.zones === undefined ? planOverPlaceholders(topology, zoneCount) : planTopology({ ...topology, zones: args.zones });
  if (args.zones !== undefined) checkZonesInRegion(plan.zones, region);

  const replaceOnImageChange = optionalBoolean(args.replaceOnImageChange, "replaceOnImageChange", false);
  const createBastion = optionalBoolean(args.createBastion, "createBastion", true);
  const late: LateCheck[] = [];
  checkSshKeyPair(args.sshPublicKey, args.sshPrivateKey);
  // An output key is checked once it resolves (the pair's presence is checked above).
  const sshPublicKey = checkNowOrWhenKnown(args.sshPublicKey, (key) => {
    checkSshKeyPair(key, args.sshPrivateKey);
    return typeof key === "string" ? key.trim() : undefined;
  }, late);

  return {
    cluster,
    region,
    zones: args.zones === undefined ? undefined : plan.zones,
    zoneCount,
    ...topology,
    plan,
    network: args.network,
    subnetwork: args.subnetwork,
    subnetCidr,
    apiLoadBalancerScheme: checkScheme(args.apiLoadBalancerScheme),
    apiAllowedCidrs: checkNowOrWhenKnown(args.apiAllowedCidrs ?? [], (cidrs) => cidrList(cidrs, "apiAllowedCidrs", [], true), late),
    adminCidrs: checkNowOrWhenKnown(args.adminCidrs, checkAdminCidrs, late),
    createBastion,
    bastionMachineType: machineType(args.bastionMachineType, "bastionMachineType", GCP_DEFAULTS.bastionMachineType),
    imageId: args.imageId,
    sshUser: loginName(args.sshUser, "sshUser", GCP_DEFAULTS.sshUser),
    controlPlaneMachineType: controlPlaneSize(
      machineType(args.controlPlaneMachineType, "controlPlaneMachineType", GCP_DEFAULTS.controlPlaneMachineType),
      "controlPlaneMachineType",
      gceBelowKubeadmMinimum,
      GCP_DEFAULTS.controlPlaneMachineType,
    ),
    etcdMachineType: machineType(args.etcdMachineType, "etcdMachineType", GCP_DEFAULTS.etcdMachineType),
    bootDiskSizeGiB: integerInRange(args.bootDiskSizeGiB, "bootDiskSizeGiB", 20, 65536, GCP_DEFAULTS.bootDiskSizeGiB),
    sshPublicKey: typeof sshPublicKey === "string" || sshPublicKey === undefined ? sshPublicKey : pulumi.output(sshPublicKey).apply((key) => key.trim()),
    sshPrivateKey: args.sshPrivateKey,
    replaceOnImageChange,
    rollNodes: checkRollNodes(args.rollNodes, plan),
    labels: labelMap(args.labels),
    ...validatePassThrough(args, late),
    lateChecks: late,
  };
}

/**
 * Plans over the zones read from the region. Throws a {@link TopologyError} on `zoneCount` when the region has
 * fewer zones than asked for.
 */
export function planOverRegionZones(settings: GcpSettings, regionZones: string[]): TopologyPlan {
  const zones = [...regionZones].sort().slice(0, settings.zoneCount);
  if (zones.length < settings.zoneCount) {
    throw new TopologyError(
      "zoneCount",
      `region "${settings.region}" has ${zones.length} zone(s) (${zones.join(", ") || "none"}), fewer than ${settings.zoneCount}. ` +
        "Lower zoneCount or give zones.",
    );
  }
  const { controlPlaneCount, etcdTopology, etcdMemberCount, tolerateZoneFailure } = settings;
  return planTopology({ controlPlaneCount, etcdTopology, etcdMemberCount, tolerateZoneFailure, zones });
}

/** Plans over `zone-1` ... `zone-N`: validates counts and zone tolerance before the real zones are known. */
function planOverPlaceholders(topology: TopologySettings, zoneCount: number): TopologyPlan {
  const zones = Array.from({ length: zoneCount }, (_, i) => `zone-${i + 1}`);
  try {
    return planTopology({ ...topology, zones });
  } catch (error) {
    if (error instanceof TopologyError && error.field === "zones") {
      throw new TopologyError("zoneCount", error.message.slice("zones: ".length));
    }
    throw error;
  }
}

/** `network` and `subnetwork` come together; `subnetCidr` only without them. Returns whether to create a network. */
function checkNetwork(args: HaControlPlaneArgs): boolean {
  if ((args.network === undefined) !== (args.subnetwork === undefined)) {
    const [given, missing] = args.network === undefined ? ["subnetwork", "network"] : ["network", "subnetwork"];
    throw new TopologyError(missing, `is missing while ${given} is given. Give both to use an existing network, or neither.`);
  }
  if (args.network !== undefined && args.subnetCidr !== undefined) {
    throw new TopologyError("subnetCidr", "only applies to a network the component creates. Remove it or remove network and subnetwork.");
  }
  return args.network === undefined;
}

/** The created subnetwork's range: /8 to /29, not overlapping the pod or service subnet. */
function checkSubnetCidr(value: unknown, cluster: ClusterSettings): string {
  const cidr = parseCloudCidr(value, "subnetCidr");
  if (cidr.prefix < 8 || cidr.prefix > 29) {
    throw new TopologyError("subnetCidr", `"${value}" is not /8 to /29. Use e.g. "${GCP_DEFAULTS.subnetCidr}".`);
  }
  for (const [field, other] of [
    ["podSubnet", cluster.podSubnet],
    ["serviceSubnet", cluster.serviceSubnet],
  ]) {
    const parsed = parseIpv4Cidr(other);
    if (parsed && cidrsOverlap(cidr, parsed)) {
      throw new TopologyError("subnetCidr", `"${value}" overlaps ${field} "${other}". Choose ranges that share no address.`);
    }
  }
  return formatCidr(cidr);
}

/** `"internal"` or `"internet-facing"`. */
function checkScheme(value: unknown): ApiLoadBalancerScheme {
  if (value === undefined) return GCP_DEFAULTS.apiLoadBalancerScheme;
  if (value !== "internal" && value !== "internet-facing") {
    throw new TopologyError("apiLoadBalancerScheme", `${describeValue(value)} is not a scheme. Use "internal" or "internet-facing".`);
  }
  return value;
}

/** Required, non-empty, no `/0`. */
function checkAdminCidrs(value: unknown): string[] {
  const cidrs = cidrList(value, "adminCidrs", undefined, false);
  if (cidrs.length === 0) {
    throw new TopologyError("adminCidrs", 'is empty. The program connects over SSH: give the range it runs from, e.g. ["203.0.113.7/32"].');
  }
  return cidrs;
}

/** At most one planned node name. */
function checkRollNodes(value: unknown, plan: TopologyPlan): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TopologyError("rollNodes", `${describeValue(value)} is not a list of node names. Give e.g. ["cp-0"].`);
  }
  const names = plan.nodes.map((node) => node.name);
  value.forEach((name: unknown, index) => {
    if (typeof name !== "string" || !names.includes(name)) {
      throw new TopologyError("rollNodes", `entry ${index} (${describeValue(name)}) is not a planned node. Use one of ${names.join(", ")}.`);
    }
  });
  if (value.length > 1) {
    throw new TopologyError(
      "rollNodes",
      `names ${value.length} nodes; Pulumi would replace them in parallel. Roll one node per update, e.g. ["${value[0]}"].`,
    );
  }
  return [...(value as string[])];
}
