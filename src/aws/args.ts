import type * as pulumi from "@pulumi/pulumi";
import type { EtcdTopology } from "../topology/types";

/** Scheme of the API load balancer: reachable from the internet, or only from inside the VPC. */
export type ApiLoadBalancerScheme = "internal" | "internet-facing";

/** NAT gateways of a VPC the component creates: one per zone (egress survives a zone loss) or one in total. */
export type NatGatewayMode = "perZone" | "single";

/**
 * Arguments of {@link HaControlPlane}: a highly available kubeadm control plane on EC2 behind a network load
 * balancer. Only `clusterName` and `adminCidrs` are needed; everything else has a production-minded default.
 */
export interface HaControlPlaneArgs {
  /** Cluster name: a DNS label of at most 40 characters. Used in tags (`kubernetes.io/cluster/<name>`) and names. */
  clusterName: string;

  // --- Topology ---------------------------------------------------------------------------------------------
  /**
   * Availability zones to spread the machines over, in order (e.g. `["eu-west-1a", "eu-west-1b", "eu-west-1c"]`).
   * Required with `vpcId`: `privateSubnetIds[i]` and `publicSubnetIds[i]` must be in `zones[i]`.
   * @default the first `zoneCount` zones `aws.getAvailabilityZones({ state: "available" })` returns
   */
  zones?: string[];
  /** How many zones to take from the region when `zones` is not given. Refused together with `zones`. @default 3 */
  zoneCount?: number;
  /** Number of control-plane machines; with stacked etcd they are the etcd voters and must be odd. @default 3 */
  controlPlaneCount?: number;
  /** `"stacked"`: etcd on the control planes; `"external"`: etcd members on machines of their own. @default "stacked" */
  etcdTopology?: EtcdTopology;
  /** Number of external etcd members (odd). Only with `etcdTopology: "external"`. @default 3 */
  etcdMemberCount?: number;
  /** Require that losing any one zone keeps etcd quorum; `false` accepts a single-zone dev cluster. @default true */
  tolerateZoneFailure?: boolean;

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
   * it (private subnets first). Only without `vpcId`. @default "10.0.0.0/16"
   */
  vpcCidr?: string;
  /** NAT gateways of a VPC the component creates: `"perZone"` or `"single"` (cheaper, egress depends on one zone). @default "perZone" */
  natGateways?: NatGatewayMode;

  // --- Access -----------------------------------------------------------------------------------------------
  /** Scheme of the API load balancer. @default "internal" */
  apiLoadBalancerScheme?: ApiLoadBalancerScheme;
  /**
   * CIDRs allowed to reach the Kubernetes API (TCP 6443) through the load balancer, besides the control planes
   * themselves. `"0.0.0.0/0"` is accepted here only: the API is the one port that may be public. Add your
   * workers' subnets here. @default []
   */
  apiAllowedCidrs?: string[];
  /**
   * CIDRs allowed to SSH to the bastion (or, without a bastion, to the machines). The program itself connects
   * from here, so it must include the address Pulumi runs from (e.g. `"203.0.113.7/32"`). `/0` is refused.
   */
  adminCidrs: string[];
  /** Create a small bastion instance in a public subnet and reach the private machines through it. @default true */
  createBastion?: boolean;
  /** Instance type of the bastion. @default "t3.micro" */
  bastionInstanceType?: string;

  // --- Machines ---------------------------------------------------------------------------------------------
  /** AMI of every machine. Must be an Ubuntu 22.04+ image for the cloud-init to work. @default latest Canonical Ubuntu 24.04 LTS (noble) amd64 gp3 */
  imageId?: pulumi.Input<string>;
  /** SSH login user of the image. @default "ubuntu" */
  sshUser?: string;
  /** Instance type of the control planes (kubeadm needs at least 2 vCPU and 2 GiB). @default "t3.medium" */
  controlPlaneInstanceType?: string;
  /** Instance type of the external etcd members. @default "t3.small" */
  etcdInstanceType?: string;
  /** Size of every cluster machine's encrypted gp3 root volume, in GiB (20 to 16384). @default 50 */
  rootVolumeSizeGiB?: number;
  /** KMS key (ARN or id) encrypting the root volumes. @default the account's default EBS key */
  rootVolumeKmsKeyId?: pulumi.Input<string>;
  /**
   * OpenSSH public key line of your own key pair; give `sshPrivateKey` with it.
   * @default a generated ED25519 key pair (private key kept as a Pulumi secret)
   */
  sshPublicKey?: string;
  /** Private key (PEM or OpenSSH) matching `sshPublicKey`; stored as a secret. @default the generated key */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * Replace every machine as soon as the AMI or the user data changes. Pulumi replaces them in parallel,
   * which loses etcd quorum: only for throwaway clusters. Prefer `rollNodes`. @default false
   */
  replaceOnImageChange?: boolean;
  /**
   * Plan node names (`cp-0`, `etcd-1`, ...) whose AMI/user-data changes are applied on this update, replacing
   * those machines. Roll one node per `pulumi up` (at most one name), waiting for the quorum report to show
   * a healthy cluster before the next. @default []
   */
  rollNodes?: string[];
  /** Extra tags on every AWS resource the component creates. @default {} */
  tags?: Record<string, string>;

  // --- Kubernetes (passed to the cloud-neutral components) -------------------------------------------------
  /** Kubernetes version `MAJOR.MINOR.PATCH`, 1.31 to 1.35. @default "1.34.2" */
  kubernetesVersion?: string;
  /** Pod network CIDR; must not overlap the VPC. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** Service network CIDR; must not overlap the VPC. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** CNI manifest applied after `kubeadm init`; `""` skips it. @default Calico v3.29.1 */
  cniManifestUrl?: string;
  /** Extra subject alternative names for the API server certificate (e.g. a DNS alias of the NLB). @default [] */
  extraCertSans?: pulumi.Input<string>[];
  /** How long each quorum gate keeps retrying before it fails, in seconds. @default 600 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and cloud-init on each machine, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
}
