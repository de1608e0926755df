import type * as pulumi from "@pulumi/pulumi";
import type { QuorumReport } from "pulumi-k8s-ha";
import { HaControlPlane } from "pulumi-k8s-ha/gcp";

/** The example's settings, read from stack config by index.ts (or given directly by tests). */
export interface ExampleConfig {
  /** Cluster name (DNS label, at most 40 characters). @default the stack name */
  clusterName: string;
  /** CIDRs the program and admins SSH from (the bastion's only way in). Required: the library refuses an empty list. */
  adminCidrs: string[];
  /** CIDRs allowed to the Kubernetes API on the load balancer. @default adminCidrs */
  apiAllowedCidrs: string[];
  /** Kubernetes version. @default the library's default */
  kubernetesVersion?: string;
}

/** What the example exports. */
export interface ExampleOutputs {
  /** Admin kubeconfig (secret). */
  kubeconfig: pulumi.Output<string>;
  /** `https://<load balancer>:6443`. */
  apiServerEndpoint: pulumi.Output<string>;
  /** Planned fault tolerance and the final quorum gate's observation. */
  quorum: pulumi.Output<QuorumReport>;
  /** Node names per zone. */
  nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** The bastion's public IP (SSH jump host). */
  bastionPublicIp: pulumi.Output<string | undefined>;
}

/** Three control planes with stacked etcd, one per zone of the region, behind an external passthrough load balancer. */
export function stack(config: ExampleConfig): ExampleOutputs {
  const cluster = new HaControlPlane(config.clusterName, {
    clusterName: config.clusterName,
    zoneCount: 3,
    controlPlaneCount: 3,
    etcdTopology: "stacked",
    apiLoadBalancerScheme: "internet-facing",
    apiAllowedCidrs: config.apiAllowedCidrs,
    adminCidrs: config.adminCidrs,
    kubernetesVersion: config.kubernetesVersion,
  });
  const { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp } = cluster;
  return { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp };
}
