/**
 * pulumi-k8s-ha: highly available, self-managed Kubernetes control planes with quorum validation before
 * anything is created. This root entry is cloud-neutral: it never loads a cloud SDK. Clouds live in
 * `pulumi-k8s-ha/aws` and `pulumi-k8s-ha/gcp`, machines you already have in `pulumi-k8s-ha/hosts`, and mocks for
 * your own unit tests in `pulumi-k8s-ha/testing`.
 */
export * from "./topology";
export * from "./cluster";
export * from "./pki";
export * as bootstrap from "./bootstrap";
