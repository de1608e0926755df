import { validateClusterSettings, validatePlacement } from "../topology";
import type { ClusterSettings, ClusterSettingsArgs, QuorumPlan } from "../topology/types";
import { DEFAULT_KUBERNETES_APT_REPOSITORY, kubernetesAptRepositoryProblem } from "../bootstrap/kubernetesPackages";
import { requireArgument, validated } from "./argumentError";
import type { EtcdClusterArgs, KubeadmControlPlaneArgs } from "./args";
import { requireDistinctHostNames } from "./hostChecks";
import { requireCertificateSettings } from "./validateCertificates";
import { WORKER_JOIN_TOKEN_TTL_FIELD, workerJoinTokenTtlProblem } from "./workerJoinArgs";
import { validateEtcdBackupArgs, validateEtcdRestoreArgs, ValidatedBackup, ValidatedRestore } from "./validateBackup";

/** The cluster-wide settings every control-plane component takes, validated, with defaults filled. */
export function validatedClusterSettings(context: string, args: ClusterSettingsArgs): ClusterSettings {
  return validated(context, () =>
    validateClusterSettings({
      clusterName: args.clusterName,
      kubernetesVersion: args.kubernetesVersion,
      podSubnet: args.podSubnet,
      serviceSubnet: args.serviceSubnet,
      nodeSubnets: args.nodeSubnets,
      apiServerPort: args.apiServerPort,
    }),
  );
}

/** Throws an `ArgumentError` on `etcdTopology` unless it is `"stacked"` or `"external"`. */
export function requireEtcdTopology(context: string, etcdTopology: unknown): void {
  requireArgument(
    etcdTopology === "stacked" || etcdTopology === "external",
    context,
    "etcdTopology",
    `${JSON.stringify(etcdTopology)} is not a topology. Use "stacked" or "external".`,
  );
}

/** What {@link validateKubeadmControlPlaneArgs} found valid, with defaults filled. */
export interface ValidatedControlPlane {
  settings: ClusterSettings;
  external: boolean;
  quorumPlan: QuorumPlan;
  /** Scheduled snapshots on the control planes (stacked etcd), or undefined. */
  backup?: ValidatedBackup;
  /** The restore asked for in this update, or undefined. */
  restore?: ValidatedRestore;
}

/**
 * Checks every plain argument of a control plane and throws an `ArgumentError` naming the field and the fix.
 * Called before the component registers, so bad input leaves nothing behind.
 */
export function validateKubeadmControlPlaneArgs(name: string, args: KubeadmControlPlaneArgs): ValidatedControlPlane {
  const context = `KubeadmControlPlane ${name}`;
  const settings = validatedClusterSettings(context, args);
  requireEtcdTopology(context, args.etcdTopology);
  const external = args.etcdTopology === "external";
  requireArgument(!external || args.externalEtcd !== undefined, context, "externalEtcd", 'is required with etcdTopology "external". Pass an EtcdCluster.');
  requireArgument(external || args.externalEtcd === undefined, context, "externalEtcd", 'is only for etcdTopology "external". Remove it or switch topology.');
  requireArgument(
    Array.isArray(args.controlPlaneHosts) && args.controlPlaneHosts.length > 0,
    context,
    "controlPlaneHosts",
    "give at least one control-plane host (3 for HA).",
  );
  requireDistinctHostNames(context, args.controlPlaneHosts, "controlPlaneHosts");
  const ttlProblem = workerJoinTokenTtlProblem(args.workerJoinTokenTtlHours);
  requireArgument(ttlProblem === undefined, context, WORKER_JOIN_TOKEN_TTL_FIELD, ttlProblem ?? "");
  requireArgument(args.cniManifestUrl === undefined || args.cniManifestUrl === "" || /^https:\/\/\S+$/.test(args.cniManifestUrl), context, "cniManifestUrl", `${JSON.stringify(args.cniManifestUrl)} must be an https URL, or "" to skip the CNI.`);
  requireNodeQuirks(context, args);
  requireUpgradePackageArgs(context, args);
  requireCertificateSettings(context, args);
  requireArgument(!external || args.etcdBackup === undefined, context, "etcdBackup", "takes snapshots on the etcd voters: with external etcd give etcdBackup to the EtcdCluster.");
  requireArgument(
    !external || args.etcdRestore === undefined || (Array.isArray(args.externalEtcd?.hosts) && args.externalEtcd!.hosts.length > 0),
    context,
    "etcdRestore",
    "with external etcd needs the tier's machines: pass an EtcdCluster (or outputs with hosts) as externalEtcd.",
  );
  const backup = validateEtcdBackupArgs(context, args.etcdBackup);
  const restore = validateEtcdRestoreArgs(context, args.etcdRestore);
  const quorumPlan = external
    ? args.externalEtcd!.quorumPlan
    : validated(context, () =>
        validatePlacement(
          args.controlPlaneHosts.map((host) => host.zone),
          args.zones,
          args.tolerateZoneFailure ?? true,
          "controlPlaneHosts",
        ),
      ).quorum;
  return { settings, external, quorumPlan, backup, restore };
}

/** The settings for machines that differ from a stock VM (container-like machines), as every component takes them. */
export interface NodeQuirkArgs {
  /** See {@link KubeadmControlPlaneArgs.ignorePreflightErrors}. */
  ignorePreflightErrors?: string[];
  /** See {@link KubeadmControlPlaneArgs.kubeProxyConntrackMaxPerCore}. */
  kubeProxyConntrackMaxPerCore?: number;
}

/** Throws an `ArgumentError` on malformed preflight check names or a negative conntrack setting. */
export function requireNodeQuirks(context: string, args: NodeQuirkArgs): void {
  (args.ignorePreflightErrors ?? []).forEach((check, i) => {
    requireArgument(
      typeof check === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(check) && check.toLowerCase() !== "all",
      context,
      `ignorePreflightErrors[${i}]`,
      `${JSON.stringify(check)} is not a preflight check name. Name each check as kubeadm prints it (e.g. "SystemVerification"); "all" is refused.`,
    );
  });
  const perCore = args.kubeProxyConntrackMaxPerCore;
  requireArgument(
    perCore === undefined || (Number.isInteger(perCore) && perCore >= 0),
    context,
    "kubeProxyConntrackMaxPerCore",
    `${JSON.stringify(perCore)} must be an integer >= 0 (0 leaves nf_conntrack_max alone).`,
  );
}

/** What {@link validateEtcdClusterArgs} found valid. */
export interface ValidatedEtcdCluster {
  settings: ClusterSettings;
  quorumPlan: QuorumPlan;
  /** Scheduled snapshots on the members, or undefined. */
  backup?: ValidatedBackup;
}

/** The arguments that say where an upgrade's packages come from (see {@link KubeadmControlPlaneArgs}). */
export interface UpgradePackageArgs {
  /** See {@link KubeadmControlPlaneArgs.kubernetesAptRepository}. */
  kubernetesAptRepository?: string;
  /** See {@link KubeadmControlPlaneArgs.installKubernetesPackages}. */
  installKubernetesPackages?: boolean;
}

/** Checks `kubernetesAptRepository` and `installKubernetesPackages`; throws an `ArgumentError` naming the field. */
export function requireUpgradePackageArgs(context: string, args: UpgradePackageArgs): void {
  const problem = args.kubernetesAptRepository === undefined ? undefined : kubernetesAptRepositoryProblem(args.kubernetesAptRepository);
  requireArgument(problem === undefined, context, "kubernetesAptRepository", `${problem}. Give e.g. "${DEFAULT_KUBERNETES_APT_REPOSITORY}" or your mirror's equivalent.`);
  requireArgument(
    args.installKubernetesPackages === undefined || typeof args.installKubernetesPackages === "boolean",
    context,
    "installKubernetesPackages",
    `${JSON.stringify(args.installKubernetesPackages)} is not a boolean. Use true (install from kubernetesAptRepository) or false (binaries managed elsewhere).`,
  );
}

/** Checks an external etcd tier's plain arguments (odd member count, zone-failure tolerance, names). */
export function validateEtcdClusterArgs(name: string, args: EtcdClusterArgs): ValidatedEtcdCluster {
  const context = `EtcdCluster ${name}`;
  const settings = validated(context, () => validateClusterSettings({ clusterName: args.clusterName }));
  requireArgument(Array.isArray(args.hosts) && args.hosts.length > 0, context, "hosts", "give at least one etcd host (3 or 5 for HA).");
  requireDistinctHostNames(context, args.hosts, "hosts");
  const placement = validated(context, () =>
    validatePlacement(
      args.hosts.map((host) => host.zone),
      args.zones,
      args.tolerateZoneFailure ?? true,
      "hosts",
    ),
  );
  const backup = validateEtcdBackupArgs(context, args.etcdBackup);
  return { settings, quorumPlan: placement.quorum, backup };
}
