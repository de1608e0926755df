import type { NodeRole } from "../topology/types";

/** Google's health-check source ranges for passthrough load balancers (backend services). */
export const HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/** Network tags of a cluster's machines; firewall rules target and admit by these. */
export interface ClusterTags {
  /** Every control plane. */
  controlPlane: string;
  /** Every external etcd member. */
  etcd: string;
  /** The bastion. */
  bastion: string;
}

/** The network tags of cluster `clusterName` (a DNS label of at most 40 characters, so tags stay under 63). */
export function clusterTags(clusterName: string): ClusterTags {
  return {
    controlPlane: `${clusterName}-control-plane`,
    etcd: `${clusterName}-etcd`,
    bastion: `${clusterName}-bastion`,
  };
}

/** The tag of a role. */
export function roleTag(tags: ClusterTags, role: NodeRole): string {
  return role === "control-plane" ? tags.controlPlane : tags.etcd;
}

/** The GCP name of a cluster resource: `<clusterName>-<suffix>`. */
export function gcpName(clusterName: string, suffix: string): string {
  return `${clusterName}-${suffix}`;
}

/** The labels of every labelled resource: the user's plus `k8s-ha-cluster: <clusterName>`. */
export function labelsOf(settings: { labels: Record<string, string>; cluster: { clusterName: string } }): Record<string, string> {
  return { ...settings.labels, "k8s-ha-cluster": settings.cluster.clusterName };
}
