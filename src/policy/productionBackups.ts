import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy/policy";
import { describeResource, outermostComponents, stackOfUrn } from "./components";
import { configWithDefaults, readKnown } from "./config";

/** Configuration of {@link productionEtcdBackups}. */
export interface ProductionBackupsConfig {
  /**
   * Names of production stacks: exact names or patterns with `*` (any characters), matched case-insensitively
   * against the stack name. @default ["prod", "production", "prod-*", "production-*", "*-prod", "*-production"]
   */
  productionStacks: string[];
}

const DEFAULTS: ProductionBackupsConfig = { productionStacks: ["prod", "production", "prod-*", "production-*", "*-prod", "*-production"] };

/** The components that own an etcd cluster's data (a `KubeadmControlPlane` with external etcd does not: its `EtcdCluster` does). */
function ownsEtcd(component: PolicyResource): boolean {
  if (component.type === "pulumi-k8s-ha:cluster:KubeadmControlPlane") {
    return readKnown(() => component.props.quorum?.etcdTopology !== "external", true);
  }
  return [
    "pulumi-k8s-ha:aws:HaControlPlane",
    "pulumi-k8s-ha:gcp:HaControlPlane",
    "pulumi-k8s-ha:hosts:HostsControlPlane",
    "pulumi-k8s-ha:cluster:EtcdCluster",
  ].includes(component.type);
}

/**
 * In a production stack, every cluster takes scheduled etcd snapshots: the component's `etcdBackup` is set (its
 * `etcdBackup` output exists; unknown in a preview counts as set).
 */
export const productionEtcdBackups: StackValidationPolicy = {
  name: "k8s-ha-production-etcd-backups",
  description: "Clusters in production stacks (by stack name, policy config productionStacks) have etcdBackup configured.",
  configSchema: {
    properties: {
      productionStacks: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.productionStacks,
        description: "Production stack names or patterns with *.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { productionStacks } = configWithDefaults(DEFAULTS, args.getConfig);
    for (const component of outermostComponents(args.resources).filter(ownsEtcd)) {
      const stack = stackOfUrn(component.urn);
      if (!productionStacks.some((pattern) => matchesPattern(stack, pattern))) continue;
      if (readKnown(() => component.props.etcdBackup !== undefined && component.props.etcdBackup !== null, true)) continue;
      reportViolation(
        `${describeResource(component)}: stack ${stack} is a production stack but etcdBackup is not set, so no etcd snapshot ` +
          "leaves the machines. Set etcdBackup (schedule, retention and a destination) on the component, or leave the stack " +
          "out of productionStacks for policy k8s-ha-production-etcd-backups.",
        component.urn,
      );
    }
  },
};

/** Whether `name` matches `pattern` (`*`: any characters), ignoring case. */
export function matchesPattern(name: string, pattern: string): boolean {
  const body = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "i").test(name);
}
