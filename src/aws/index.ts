/**
 * Entry `pulumi-k8s-ha/aws`: a highly available kubeadm control plane on EC2 behind a network load balancer.
 * Loads only deep `@pulumi/aws` modules (ec2, vpc, lb, s3, iam, getAvailabilityZones), never `@pulumi/gcp`.
 */
export { HaControlPlane, HA_CONTROL_PLANE_TYPE, type AwsClusterNode } from "./haControlPlane";
export type { HaControlPlaneArgs, ApiLoadBalancerScheme, NatGatewayMode, AwsEtcdBackupArgs } from "./args";
export type { CloudEtcdBackupReport } from "../cloud/backupArgs";
export { CANONICAL_OWNER_ID, UBUNTU_NOBLE_NAME_PATTERN } from "./image";
/** The error every argument check throws, naming the field (the same class as the root entry's). */
export { ArgumentError } from "../cluster/argumentError";
