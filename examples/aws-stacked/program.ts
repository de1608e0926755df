import type * as pulumi from "@pulumi/pulumi";
// A real project imports "pulumi-k8s-ha/aws"; the example uses the source next door.
import { HaControlPlane } from "../../src/aws";
import type { QuorumReport } from "../../src/cluster/quorumReport";

/** The example's settings (from stack config in index.ts, or given directly by tests). */
export interface ExampleConfig {
  /** Cluster name (DNS label, at most 40 characters). */
  clusterName: string;
  /** CIDRs the program and admins SSH from (the bastion's only way in). */
  adminCidrs: string[];
  /** CIDRs allowed to the Kubernetes API on the load balancer. */
  apiAllowedCidrs: string[];
  /** Kubernetes version. @default the library's default */
  kubernetesVersion?: string;
  /** NAT gateways of the new VPC. @default "perZone" */
  natGateways?: "perZone" | "single";
}

/** The stack outputs. */
export interface ExampleOutputs {
  /** Admin kubeconfig (secret). */
  kubeconfig: pulumi.Output<string>;
  /** `https://<nlb>:6443`. */
  apiServerEndpoint: pulumi.Output<string>;
  /** Planned fault tolerance and the final quorum gate's observation. */
  quorum: pulumi.Output<QuorumReport>;
  /** Node names per availability zone. */
  nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** The bastion's public IP (SSH jump host). */
  bastionPublicIp: pulumi.Output<string | undefined>;
}

/** Three control planes with stacked etcd, one per availability zone, behind an internet-facing NLB. */
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
    natGateways: config.natGateways,
  });
  return {
    kubeconfig: cluster.kubeconfig,
    apiServerEndpoint: cluster.apiServerEndpoint,
    quorum: cluster.quorum,
    nodesByZone: cluster.nodesByZone,
    bastionPublicIp: cluster.bastionPublicIp,
  };
}
