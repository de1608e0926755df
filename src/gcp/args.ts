import type * as pulumi from "@pulumi/pulumi";
import type { CloudControlPlaneArgs } from "../cloud/args";
import type { GcpEtcdBackupArgs } from "./backupArgs";

export type { GcpEtcdBackupArgs } from "./backupArgs";

export type { ApiLoadBalancerScheme } from "../cloud/args";

/**
 * Arguments of {@link HaControlPlane} on Google Cloud: a highly available kubeadm control plane on Compute
 * Engine behind a regional passthrough network load balancer. Only `clusterName` and `adminCidrs` are needed
 * (plus the `gcp:project` and `gcp:region` provider settings). The topology, access, SSH, rolling and
 * Kubernetes arguments are shared with the AWS component (see {@link CloudControlPlaneArgs}); the cluster name
 * also prefixes every resource name and network tag.
 */
export interface HaControlPlaneArgs extends CloudControlPlaneArgs {
  // --- Topology ---------------------------------------------------------------------------------------------
  /**
   * Zones to spread the machines over, in order (e.g. `["europe-west1-b", "europe-west1-c", "europe-west1-d"]`).
   * All must be in `region`. Give them for production: a zone list read from the region can change over time.
   * @default the first `zoneCount` zones (sorted by name) that `gcp.compute.getZones` returns for the region
   */
  zones?: string[];

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
  /**
   * IPv4 range of the subnetwork the component creates, /8 to /29; it must not overlap `podSubnet` or
   * `serviceSubnet`. Only without `network`. @default "10.10.0.0/24"
   */
  subnetCidr?: string;

  // --- Access -----------------------------------------------------------------------------------------------
  /** Machine type of the bastion. @default "e2-micro" */
  bastionMachineType?: string;

  // --- Machines ---------------------------------------------------------------------------------------------
  /**
   * Boot image of every machine (self link, `projects/P/global/images/NAME` or `projects/P/global/images/family/F`).
   * Must be Ubuntu 22.04+ for the cloud-init to work.
   * @default the newest image of family `ubuntu-2404-lts-amd64` in project `ubuntu-os-cloud`
   */
  imageId?: pulumi.Input<string>;
  /** Machine type of the control planes (kubeadm needs at least 2 vCPU and 2 GiB). @default "e2-standard-2" */
  controlPlaneMachineType?: string;
  /** Machine type of the external etcd members. @default "e2-medium" */
  etcdMachineType?: string;
  /** Size of every cluster machine's `pd-balanced` boot disk, in GiB (20 to 65536). @default 50 */
  bootDiskSizeGiB?: number;
  /** Extra labels on every resource that takes labels (instances, addresses, forwarding rule, bucket). @default {} */
  labels?: Record<string, string>;

  // --- etcd backups -----------------------------------------------------------------------------------------
  /**
   * Scheduled etcd snapshots on every etcd voter, uploaded to a Cloud Storage bucket (created, or given) by a
   * service account that may only create objects there; see {@link GcpEtcdBackupArgs}. Give `{}` for the defaults.
   * The voters run as that service account: on running machines it is attached only when each is rolled
   * (`rollNodes`, one per update), since attaching it stops the machine.
   * @default none (no scheduled snapshots, no bucket, no service account)
   */
  etcdBackup?: GcpEtcdBackupArgs;
}
