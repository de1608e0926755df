import type * as pulumi from "@pulumi/pulumi";
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
}

/** Runs the cloud-neutral bootstrap: an {@link EtcdCluster} for external etcd, then the {@link KubeadmControlPlane}. */
export function bootstrapCluster(handOff: BootstrapHandOff): KubeadmControlPlane {
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
      ? new EtcdCluster(`${name}-etcd-cluster`, { ...common, hosts: hostsOf("etcd") }, { parent })
      : undefined;
  return new KubeadmControlPlane(
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
      workerJoinTokenTtlHours: settings.workerJoinTokenTtlHours,
    },
    { parent },
  );
}
