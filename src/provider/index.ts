/**
 * `pulumi-k8s-ha/provider`: serves the components to every Pulumi language (Python, Go, .NET, YAML) as Pulumi
 * packages: `provider/k8s-ha` (HostsControlPlane), `provider/k8s-ha-cluster` (EtcdCluster, KubeadmControlPlane),
 * `provider/k8s-ha-aws` and `provider/k8s-ha-gcp`, each a `PulumiPlugin.yaml` directory for `pulumi package add`.
 */
export { ComponentPackageProvider, componentPackage, packageSchema, serveComponentPackage, SECRET_OUTPUTS, type ComponentClass, type PackageSchema } from "./componentPackage";
export { COMPONENT_PACKAGES, type ComponentPackageName } from "./packages";
export { enumMemberName } from "./analyzer";
