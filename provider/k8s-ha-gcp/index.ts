/** Where Pulumi's component analyzer starts: the classes of the package (see pulumi-k8s-ha/provider, packages.ts). */
export { HaControlPlane } from "pulumi-k8s-ha/gcp";
