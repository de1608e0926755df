// A real project imports "pulumi-k8s-ha/gcp"; the example uses the source next door.
import { HaControlPlane } from "../../src/gcp";
import type { ExampleConfig } from "../shared/config";
import { exampleOutputs, type ExampleOutputs } from "../shared/outputs";

/** Three control planes and three external etcd members, one of each per zone, behind an external passthrough load balancer. */
export function stack(config: ExampleConfig): ExampleOutputs {
  const cluster = new HaControlPlane(config.clusterName, {
    clusterName: config.clusterName,
    zoneCount: 3,
    controlPlaneCount: 3,
    etcdTopology: "external",
    etcdMemberCount: 3,
    apiLoadBalancerScheme: "internet-facing",
    apiAllowedCidrs: config.apiAllowedCidrs,
    adminCidrs: config.adminCidrs,
    kubernetesVersion: config.kubernetesVersion,
  });
  return exampleOutputs(cluster);
}
