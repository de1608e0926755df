/**
 * The Pulumi packages this library serves, one per entry, so that a program using one cloud never loads the
 * other's SDK: each list is loaded only when its package runs. The package directories (`provider/<name>/`)
 * hold the `PulumiPlugin.yaml`, the plugin's entry (`index.js`) and the file the analyzer starts from
 * (`index.ts`, importing the same classes).
 */
import type { ComponentClass } from "./componentPackage";

/** The package names, as `pulumi package add` names them and resource tokens start (`k8s-ha-aws:index:HaControlPlane`). */
export type ComponentPackageName = "k8s-ha" | "k8s-ha-cluster" | "k8s-ha-aws" | "k8s-ha-gcp";

/* eslint-disable @typescript-eslint/no-require-imports */
/** Each package's component classes, loaded on demand. */
export const COMPONENT_PACKAGES: Record<ComponentPackageName, () => ComponentClass[]> = {
  /** Machines you already have. */
  "k8s-ha": () => [(require("../hosts") as typeof import("../hosts")).HostsControlPlane],
  /**
   * The cloud-neutral building blocks. `KubeadmControlPlane.ready` is a `command:remote:Command`: the schema
   * refers to the command package's, which `pulumi package add` fetches.
   */
  "k8s-ha-cluster": () => {
    const { EtcdCluster, KubeadmControlPlane } = require("../cluster") as typeof import("../cluster");
    return [EtcdCluster, KubeadmControlPlane];
  },
  /** AWS: loads `@pulumi/aws`, never `@pulumi/gcp`. */
  "k8s-ha-aws": () => [(require("../aws") as typeof import("../aws")).HaControlPlane],
  /** GCP: loads `@pulumi/gcp`, never `@pulumi/aws`. */
  "k8s-ha-gcp": () => [(require("../gcp") as typeof import("../gcp")).HaControlPlane],
};
