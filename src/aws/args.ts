import type * as pulumi from "@pulumi/pulumi";
import type { CloudControlPlaneArgs } from "../cloud/args";
import type { AwsEtcdBackupArgs } from "./backupArgs";

export type { AwsEtcdBackupArgs } from "./backupArgs";

export type { ApiLoadBalancerScheme } from "../cloud/args";

/** NAT gateways of a VPC the component creates: one per zone (egress survives a zone loss) or one in total. */
export type NatGatewayMode = "perZone" | "single";

/**
 * Arguments of {@link HaControlPlane}: a highly available kubeadm control plane on EC2 behind a network load
 * balancer. Only `clusterName` and `adminCidrs` are needed; everything else has a production-minded default.
 * The topology, access, SSH, rolling and Kubernetes arguments are shared with the GCP component (see
 * {@link CloudControlPlaneArgs}); the cluster name also goes into the tag `kubernetes.io/cluster/<name>`.
 */
export interface HaControlPlaneArgs extends CloudControlPlaneArgs {
  // --- Topology ---------------------------------------------------------------------------------------------
  /**
   * Availability zones to spread the machines over, in order (e.g. `["eu-west-1a", "eu-west-1b", "eu-west-1c"]`).
   * Required with `vpcId`: `privateSubnetIds[i]` and `publicSubnetIds[i]` must be in `zones[i]`.
   * @default the first `zoneCount` zones `aws.getAvailabilityZones({ state: "available" })` returns
   */
  zones?: string[];

  // --- Network ----------------------------------------------------------------------------------------------
  /** Existing VPC to use. With it, give `zones` and `privateSubnetIds` (and `publicSubnetIds` if needed). @default a new VPC */
  vpcId?: pulumi.Input<string>;
  /** Existing private subnets, one per zone in `zones` order. Only with `vpcId`. @default new private subnets */
  privateSubnetIds?: pulumi.Input<string>[];
  /**
   * Existing public subnets (routed to an internet gateway), one per zone in `zones` order. Only with `vpcId`;
   * needed for the bastion and for an internet-facing load balancer. @default new public subnets
   */
  publicSubnetIds?: pulumi.Input<string>[];
  /**
   * CIDR of a VPC the component creates, /16 to /24. Each zone gets a private and a public subnet of 1/16 of
   * it (private subnets first); it must not overlap `podSubnet` or `serviceSubnet`. Only without `vpcId`.
   * @default "10.0.0.0/16"
   */
  vpcCidr?: string;
  /** NAT gateways of a VPC the component creates: `"perZone"` or `"single"` (cheaper, egress depends on one zone). @default "perZone" */
  natGateways?: NatGatewayMode;

  // --- Access -----------------------------------------------------------------------------------------------
  /** Instance type of the bastion. @default "t3.micro" */
  bastionInstanceType?: string;

  // --- Machines ---------------------------------------------------------------------------------------------
  /** AMI of every machine. Must be an Ubuntu 22.04+ image for the cloud-init to work. @default latest Canonical Ubuntu 24.04 LTS (noble) amd64 gp3 */
  imageId?: pulumi.Input<string>;
  /** Instance type of the control planes (kubeadm needs at least 2 vCPU and 2 GiB). @default "t3.medium" */
  controlPlaneInstanceType?: string;
  /** Instance type of the external etcd members. @default "t3.small" */
  etcdInstanceType?: string;
  /** Size of every cluster machine's encrypted gp3 root volume, in GiB (20 to 16384). @default 50 */
  rootVolumeSizeGiB?: number;
  /** KMS key (ARN or id) encrypting the root volumes. @default the account's default EBS key */
  rootVolumeKmsKeyId?: pulumi.Input<string>;
  /** Extra tags on every AWS resource the component creates. @default {} */
  tags?: Record<string, string>;

  // --- etcd backups -----------------------------------------------------------------------------------------
  /**
   * Scheduled etcd snapshots on every etcd voter, uploaded to an S3 bucket (created, or given) with an instance
   * role that may only add snapshots; see {@link AwsEtcdBackupArgs}. Give `{}` for the defaults.
   * @default none (no scheduled snapshots, no bucket, no role)
   */
  etcdBackup?: AwsEtcdBackupArgs;
}
