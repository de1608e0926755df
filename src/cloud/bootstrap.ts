import type * as pulumi from "@pulumi/pulumi";
import type { EtcdBackupArgs, EtcdBackupReport } from "../cluster/backupArgs";
import { EtcdCluster } from "../cluster/etcdCluster";
import { KubeadmControlPlane } from "../cluster/kubeadmControlPlane";
import type { ClusterHost } from "../cluster/types";
import type { TopologyPlan } from "../topology/types";
import type { CloudSettings } from "./settings";

/** The machines and endpoint a cloud layer hands to the cloud-neutral bootstrap. */
export interface BootstrapHandOff {
  /** Component name, prefix of the children's names. */
  name: string;
  /** Validated settings. */
  settings: CloudSettings;
  /** The plan with the real zones. */
  plan: TopologyPlan;
  /** One host per plan node, in plan order (control planes first: `cp-0` runs `kubeadm init`). */
  hosts: ClusterHost[];
  /** The API load balancer's address or DNS name, resolved once it can serve the first control plane. */
  endpoint: pulumi.Output<string>;
  /** CIDRs of the machines' network, when known. */
  nodeSubnets: string[];
  /** Parent of the bootstrap components. */
  parent: pulumi.Resource;
  /** Scheduled snapshots on the etcd voters (the etcd tier with external etcd). @default none */
  etcdBackup?: EtcdBackupArgs;
}

/** What the bootstrap made: the control plane, and the snapshot report of whichever tier holds the etcd voters. */
export interface BootstrappedCluster {
  controlPlane: KubeadmControlPlane;
  /** The `etcdBackup` report (undefined without `etcdBackup`). */
  etcdBackup: pulumi.Output<EtcdBackupReport | undefined>;
}

/**
 * Runs the cloud-neutral bootstrap: an {@link EtcdCluster} for external etcd, then the {@link KubeadmControlPlane};
 * `etcdBackup` goes to the tier whose machines are the etcd voters.
 */
export function bootstrapCluster(handOff: BootstrapHandOff): BootstrappedCluster {
  const { name, settings, plan, parent } = handOff;
  const hostsOf = (role: string) => handOff.hosts.filter((_, i) => plan.nodes[i].role === role);
  const common = {
    clusterName: settings.cluster.clusterName,
    zones: plan.zones,
    tolerateZoneFailure: settings.tolerateZoneFailure,
    gateTimeoutSeconds: settings.gateTimeoutSeconds,
    hostReadyTimeoutMinutes: settings.hostReadyTimeoutMinutes,
  };
  const externalEtcd =
    settings.etcdTopology === "external"
      ? new EtcdCluster(`${name}-etcd-cluster`, { ...common, hosts: hostsOf("etcd"), etcdBackup: handOff.etcdBackup }, { parent })
      : undefined;
  const controlPlane = new KubeadmControlPlane(
    `${name}-control-plane`,
    {
      ...common,
      controlPlaneHosts: hostsOf("control-plane"),
      etcdTopology: settings.etcdTopology,
      externalEtcd,
      apiServerEndpoint: handOff.endpoint,
      apiServerPort: settings.cluster.apiServerPort,
      kubernetesVersion: settings.cluster.kubernetesVersion,
      podSubnet: settings.cluster.podSubnet,
      serviceSubnet: settings.cluster.serviceSubnet,
      nodeSubnets: handOff.nodeSubnets,
      cniManifestUrl: settings.cniManifestUrl,
      extraCertSans: settings.extraCertSans,
      etcdBackup: externalEtcd ? undefined : handOff.etcdBackup,
      workerJoinTokenTtlHours: settings.workerJoinTokenTtlHours,
      reportCertificateExpiry: settings.reportCertificateExpiry,
      certificateValidityPeriod: settings.certificateValidityPeriod,
      certificateRenewal: settings.certificateRenewal,
    },
    { parent },
  );
  return { controlPlane, etcdBackup: externalEtcd ? externalEtcd.etcdBackup : controlPlane.etcdBackup };
}
