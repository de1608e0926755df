import type { ApiLoadBalancerScheme } from "../cloud/args";
import type { NodeRole } from "../topology/types";

/** Google's health-check probe ranges for an internal passthrough Network Load Balancer. */
export const HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/**
 * Google's health-check probe ranges for an external (internet-facing) passthrough Network Load Balancer: its probes
 * also come from 209.85.152.0/22 and 209.85.204.0/22. Without them the backends look unhealthy to part of the probers.
 */
export const EXTERNAL_HEALTH_CHECK_RANGES = [...HEALTH_CHECK_RANGES, "209.85.152.0/22", "209.85.204.0/22"];

/** The probe ranges the API load balancer of `scheme` needs admitted to the API port. */
export function healthCheckRanges(scheme: ApiLoadBalancerScheme): string[] {
  return scheme === "internet-facing" ? [...EXTERNAL_HEALTH_CHECK_RANGES] : [...HEALTH_CHECK_RANGES];
}

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
