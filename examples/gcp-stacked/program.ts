import { HaControlPlane, type HaControlPlaneArgs } from "pulumi-k8s-ha/gcp";

/** The example's settings (see README.md), read from stack config by index.ts or given directly by tests. */
export type ExampleConfig = Pick<HaControlPlaneArgs, "clusterName" | "adminCidrs" | "apiAllowedCidrs" | "kubernetesVersion">;

/**
 * What the example exports (see the library's README for each output); `caCertHash` and `workerJoinCommand`
 * (a secret) with `apiServerEndpoint` attach workers you manage yourself.
 */
export type ExampleOutputs = Pick<HaControlPlane, "kubeconfig" | "apiServerEndpoint" | "quorum" | "nodesByZone" | "bastionPublicIp" | "caCertHash" | "workerJoinCommand">;

/** Three control planes with stacked etcd, one per zone of the region, behind an external passthrough load balancer. */
export function stack(config: ExampleConfig): ExampleOutputs {
  const cluster = new HaControlPlane(config.clusterName, {
    ...config,
    zoneCount: 3,
    controlPlaneCount: 3,
    etcdTopology: "stacked",
    apiLoadBalancerScheme: "internet-facing",
  });
  const { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp, caCertHash, workerJoinCommand } = cluster;
  return { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp, caCertHash, workerJoinCommand };
}
