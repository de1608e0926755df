import type * as pulumi from "@pulumi/pulumi";
import type { EtcdTopology } from "../topology/types";

/** Scheme of the API load balancer: reachable from the internet, or only from inside the VPC network. */
export type ApiLoadBalancerScheme = "internal" | "internet-facing";

/**
 * Arguments of {@link HaControlPlane} on Google Cloud: a highly available kubeadm control plane on Compute
 * Engine behind a regional passthrough network load balancer. Only `clusterName` and `adminCidrs` are needed
 * (plus the `gcp:project` and `gcp:region` provider settings); the names match the AWS component's wherever
 * the clouds allow.
 */
export interface HaControlPlaneArgs {
  /** Cluster name: a DNS label of at most 40 characters. Prefixes every resource name and network tag. */
  clusterName: string;

  // --- Topology ---------------------------------------------------------------------------------------------
  /**
   * Zones to spread the machines over, in order (e.g. `["europe-west1-b", "europe-west1-c", "europe-west1-d"]`).
   * All must be in `region`. Give them for production: a zone list read from the region can change over time.
   * @default the first `zoneCount` zones (sorted by name) that `gcp.compute.getZones` returns for the region
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
  /** Region of every regional resource (subnetwork, router, addresses, load balancer). @default the `gcp:region` setting */
  region?: string;
  /**
   * Existing VPC network (name or self link) to use; give `subnetwork` with it. The component then creates no
   * router or Cloud NAT: the network must already give the machines egress to the internet (package
   * installs). @default a new custom-mode network
   */
  network?: pulumi.Input<string>;
  /** Existing subnetwork (name or self link) in `region` for every machine. Only with `network`. @default a new subnetwork */
  subnetwork?: pulumi.Input<string>;
  /** IPv4 range of the subnetwork the component creates, /8 to /29. Only without `network`. @default "10.10.0.0/24" */
  subnetCidr?: string;

  // --- Access -----------------------------------------------------------------------------------------------
  /**
   * Scheme of the API load balancer: an internal passthrough load balancer with an address in the subnetwork,
   * or an external passthrough load balancer on a reserved public address. @default "internal"
   */
  apiLoadBalancerScheme?: ApiLoadBalancerScheme;
  /**
   * CIDRs allowed to reach the Kubernetes API (TCP 6443) through the load balancer, besides the control planes
   * themselves, the Cloud NAT address and Google's health checkers. `"0.0.0.0/0"` is accepted here only: the
   * API is the one port that may be public. @default []
   */
  apiAllowedCidrs?: string[];
  /**
   * CIDRs allowed to SSH to the bastion (or, without a bastion, to the machines). The program itself connects
   * from here, so it must include the address Pulumi runs from (e.g. `"203.0.113.7/32"`). `/0` is refused.
   */
  adminCidrs: string[];
  /** Create a small bastion VM with a public address and reach the private machines through it. @default true */
  createBastion?: boolean;
  /** Machine type of the bastion. @default "e2-micro" */
  bastionMachineType?: string;

  // --- Machines ---------------------------------------------------------------------------------------------
  /**
   * Boot image of every machine (self link, `projects/P/global/images/NAME` or `projects/P/global/images/family/F`).
   * Must be Ubuntu 22.04+ for the cloud-init to work.
   * @default the newest image of family `ubuntu-2404-lts-amd64` in project `ubuntu-os-cloud`
   */
  imageId?: pulumi.Input<string>;
  /** SSH login user; created by the guest agent from the `ssh-keys` metadata. @default "ubuntu" */
  sshUser?: string;
  /** Machine type of the control planes (kubeadm needs at least 2 vCPU and 2 GiB). @default "e2-standard-2" */
  controlPlaneMachineType?: string;
  /** Machine type of the external etcd members. @default "e2-medium" */
  etcdMachineType?: string;
  /** Size of every cluster machine's `pd-balanced` boot disk, in GiB (20 to 65536). @default 50 */
  bootDiskSizeGiB?: number;
  /**
   * OpenSSH public key line of your own key pair; give `sshPrivateKey` with it.
   * @default a generated ED25519 key pair (private key kept as a Pulumi secret)
   */
  sshPublicKey?: string;
  /** Private key (PEM or OpenSSH) matching `sshPublicKey`; stored as a secret. @default the generated key */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * Replace every machine as soon as the image or the user data changes, and apply machine type changes to
   * all at once. Pulumi does this in parallel, which loses etcd quorum: only for throwaway clusters. Prefer
   * `rollNodes`. @default false
   */
  replaceOnImageChange?: boolean;
  /**
   * Plan node names (`cp-0`, `etcd-1`, ...) whose image, user-data and machine type changes are applied on this
   * update (an image or user-data change replaces the VM). Roll one node per `pulumi up` (at most one name),
   * waiting for the quorum report to show a healthy cluster before the next. @default []
   */
  rollNodes?: string[];
  /** Extra labels on every resource that takes labels (instances, addresses, forwarding rule). @default {} */
  labels?: Record<string, string>;

  // --- Kubernetes (passed to the cloud-neutral components) -------------------------------------------------
  /** Kubernetes version `MAJOR.MINOR.PATCH`, 1.31 to 1.35. @default "1.34.2" */
  kubernetesVersion?: string;
  /** Pod network CIDR; must not overlap the subnetwork. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** Service network CIDR; must not overlap the subnetwork. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** CNI manifest applied after `kubeadm init`; `""` skips it. @default Calico v3.29.1 */
  cniManifestUrl?: string;
  /** Extra subject alternative names for the API server certificate (e.g. a DNS name of the load balancer). @default [] */
  extraCertSans?: pulumi.Input<string>[];
  /** How long each quorum gate keeps retrying before it fails, in seconds. @default 600 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and cloud-init on each machine, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
}
