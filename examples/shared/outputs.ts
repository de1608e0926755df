import type * as pulumi from "@pulumi/pulumi";
import type { QuorumReport } from "../../src/cluster/quorumReport";

/** The stack outputs every example exports. */
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

/** The example outputs of a cluster (an AWS or GCP `HaControlPlane`). */
export function exampleOutputs(cluster: ExampleOutputs): ExampleOutputs {
  return {
    kubeconfig: cluster.kubeconfig,
    apiServerEndpoint: cluster.apiServerEndpoint,
    quorum: cluster.quorum,
    nodesByZone: cluster.nodesByZone,
    bastionPublicIp: cluster.bastionPublicIp,
  };
}
