/**
 * Entry `pulumi-k8s-ha/gcp`: a highly available kubeadm control plane on Compute Engine behind a regional
 * passthrough network load balancer. Loads only deep `@pulumi/gcp` modules (compute, and storage and serviceaccount for
 * etcd backups), never `@pulumi/aws`.
 */
export { HaControlPlane, HA_CONTROL_PLANE_TYPE, type GcpClusterNode } from "./haControlPlane";
export type { HaControlPlaneArgs, ApiLoadBalancerScheme, GcpEtcdBackupArgs } from "./args";
export type { CloudEtcdBackupReport } from "../cloud/backupArgs";
export { GCP_DEFAULTS } from "./settings";
export { EXTERNAL_HEALTH_CHECK_RANGES, HEALTH_CHECK_RANGES, healthCheckRanges } from "./names";
/** The error every argument check throws, naming the field (the same class as the root entry's). */
export { ArgumentError } from "../cluster/argumentError";
