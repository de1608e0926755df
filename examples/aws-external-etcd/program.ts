import { HaControlPlane, type HaControlPlaneArgs } from "pulumi-k8s-ha/aws";

/** The example's settings (see README.md), read from stack config by index.ts or given directly by tests. */
export type ExampleConfig = Pick<HaControlPlaneArgs, "clusterName" | "adminCidrs" | "apiAllowedCidrs" | "kubernetesVersion" | "natGateways">;

/**
 * What the example exports (see the library's README for each output); `caCertHash` and `workerJoinCommand`
 * (a secret) with `apiServerEndpoint` attach workers you manage yourself.
 */
export type ExampleOutputs = Pick<HaControlPlane, "kubeconfig" | "apiServerEndpoint" | "quorum" | "nodesByZone" | "bastionPublicIp" | "caCertHash" | "workerJoinCommand">;

/** Three control planes and three external etcd members, one of each per availability zone, behind an internet-facing NLB. */
export function stack(config: ExampleConfig): ExampleOutputs {
  const cluster = new HaControlPlane(config.clusterName, {
    ...config,
    zoneCount: 3,
    controlPlaneCount: 3,
    etcdTopology: "external",
    etcdMemberCount: 3,
    apiLoadBalancerScheme: "internet-facing",
  });
  const { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp, caCertHash, workerJoinCommand } = cluster;
  return { kubeconfig, apiServerEndpoint, quorum, nodesByZone, bastionPublicIp, caCertHash, workerJoinCommand };
}
