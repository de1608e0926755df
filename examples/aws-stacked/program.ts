// A real project imports "pulumi-k8s-ha/aws"; the example uses the source next door.
import { HaControlPlane, type NatGatewayMode } from "../../src/aws";
import type { ExampleConfig } from "../shared/config";
import { exampleOutputs, type ExampleOutputs } from "../shared/outputs";

/** The example's settings: the common ones plus the NAT gateway mode. */
export interface AwsExampleConfig extends ExampleConfig {
  /** NAT gateways of the new VPC. @default "perZone" */
  natGateways?: NatGatewayMode;
}

/** Three control planes with stacked etcd, one per availability zone, behind an internet-facing NLB. */
export function stack(config: AwsExampleConfig): ExampleOutputs {
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
  return exampleOutputs(cluster);
}
