/**
 * `pulumi-k8s-ha/hosts`: a highly available kubeadm control plane on machines you already have, with HAProxy
 * and keepalived as the API load balancer. No cloud SDK is loaded.
 */
export * from "./args";
export { HostsControlPlane, HOSTS_CONTROL_PLANE_TYPE } from "./hostsControlPlane";
export { ApiLoadBalancer, API_LOAD_BALANCER_TYPE } from "./apiLoadBalancer";
export { validateHostsControlPlaneArgs, validateApiLoadBalancerArgs, type ValidatedHostsControlPlane } from "./validate";
export * from "./haproxyConfig";
export * from "./keepalivedConfig";
/** The error every argument check throws, naming the field (the same class as the root entry's). */
export { ArgumentError } from "../cluster/argumentError";
