import * as pulumi from "@pulumi/pulumi";
import type { QuorumReport } from "../cluster/quorumReport";
import type { EtcdTopology, TopologyPlan } from "../topology/types";

/** Clouds the default stack can target. */
export type DefaultStackCloud = "aws" | "gcp";

/** Settings of the default stack (Pulumi config keys of the same names under the project's namespace). */
export interface DefaultStackSettings {
  /** `aws` or `gcp`. @default "aws" */
  cloud: DefaultStackCloud;
  /** Cluster name. @default "demo" */
  clusterName: string;
  /** `stacked` or `external`. @default "stacked" */
  etcdTopology: EtcdTopology;
  /** Control planes. @default 3 */
  controlPlaneCount: number;
  /** External etcd members (external only). @default 3 */
  etcdMemberCount?: number;
  /** Zones; the cloud's first zones of the region when absent. */
  zones?: string[];
  /** CIDRs allowed to SSH to the machines. @default ["203.0.113.0/24"] (documentation range: set yours) */
  adminCidrs: string[];
  /** CIDRs allowed to reach the API load balancer. @default [] (internal only) */
  apiAllowedCidrs: string[];
  /** Kubernetes version. @default the library default */
  kubernetesVersion?: string;
}

/** The default stack's outputs, the ones every example exports. */
export interface DefaultStackOutputs {
  kubeconfig: pulumi.Output<string>;
  apiServerEndpoint: pulumi.Output<string>;
  nodes: pulumi.Output<unknown[]>;
  etcdEndpoints: pulumi.Output<string[]>;
  quorum: pulumi.Output<QuorumReport>;
  plan: pulumi.Output<TopologyPlan>;
}

/** Reads {@link DefaultStackSettings} from Pulumi config, with defaults. */
export function readDefaultStackSettings(config = new pulumi.Config()): DefaultStackSettings {
  const cloud = config.get("cloud") ?? "aws";
  if (cloud !== "aws" && cloud !== "gcp") {
    throw new pulumi.RunError(`config cloud: ${JSON.stringify(cloud)} is not supported. Use "aws" or "gcp".`);
  }
  return {
    cloud,
    clusterName: config.get("clusterName") ?? "demo",
    etcdTopology: (config.get("etcdTopology") ?? "stacked") as EtcdTopology,
    controlPlaneCount: config.getNumber("controlPlaneCount") ?? 3,
    etcdMemberCount: config.getNumber("etcdMemberCount"),
    zones: config.getObject<string[]>("zones"),
    adminCidrs: config.getObject<string[]>("adminCidrs") ?? ["203.0.113.0/24"],
    apiAllowedCidrs: config.getObject<string[]>("apiAllowedCidrs") ?? [],
    kubernetesVersion: config.get("kubernetesVersion"),
  };
}

/**
 * The default stack: one HA control plane on the chosen cloud. Only that cloud's entry point is loaded
 * (`require` inside the branch), so planning for AWS never loads the GCP SDK and vice versa.
 */
export function defaultStack(settings: DefaultStackSettings): DefaultStackOutputs {
  const common = {
    clusterName: settings.clusterName,
    etcdTopology: settings.etcdTopology,
    controlPlaneCount: settings.controlPlaneCount,
    etcdMemberCount: settings.etcdMemberCount,
    zones: settings.zones,
    adminCidrs: settings.adminCidrs,
    apiAllowedCidrs: settings.apiAllowedCidrs,
    kubernetesVersion: settings.kubernetesVersion,
  };
  if (settings.cloud === "aws") {
    const aws: typeof import("../aws") = require("../aws");
    return new aws.HaControlPlane(settings.clusterName, common);
  }
  const gcp: typeof import("../gcp") = require("../gcp");
  return new gcp.HaControlPlane(settings.clusterName, common);
}
