import type * as pulumi from "@pulumi/pulumi";
import { EtcdCluster } from "../cluster/etcdCluster";
import { KubeadmControlPlane } from "../cluster/kubeadmControlPlane";
import type { ClusterHost } from "../cluster/types";
import type { GcpSettings } from "./settings";

/** The machines and endpoint the GCP layer hands to the cloud-neutral bootstrap. */
export interface BootstrapHandOff {
  /** Component name, prefix of the children's names. */
  name: string;
  /** Validated settings. */
  settings: GcpSettings;
  /** The zones, in order. */
  zones: string[];
  /** Control planes in plan order (`cp-0` first: it runs `kubeadm init`). */
  controlPlaneHosts: ClusterHost[];
  /** External etcd members in plan order (empty for stacked etcd). */
  etcdHosts: ClusterHost[];
  /** The load balancer's address, resolved once the forwarding rule serves the first control plane. */
  endpoint: pulumi.Output<string>;
  /** Parent of the bootstrap components. */
  parent: pulumi.Resource;
}

/** Runs the cloud-neutral bootstrap: an {@link EtcdCluster} for external etcd, then the {@link KubeadmControlPlane}. */
export function bootstrapCluster(handOff: BootstrapHandOff): KubeadmControlPlane {
  const { name, settings, zones, parent } = handOff;
  const common = {
    clusterName: settings.cluster.clusterName,
    zones,
    tolerateZoneFailure: settings.tolerateZoneFailure,
    gateTimeoutSeconds: settings.gateTimeoutSeconds,
    hostReadyTimeoutMinutes: settings.hostReadyTimeoutMinutes,
  };
  const externalEtcd =
    settings.etcdTopology === "external"
      ? new EtcdCluster(`${name}-etcd-cluster`, { ...common, hosts: handOff.etcdHosts }, { parent })
      : undefined;
  return new KubeadmControlPlane(
    `${name}-control-plane`,
    {
      ...common,
      controlPlaneHosts: handOff.controlPlaneHosts,
      etcdTopology: settings.etcdTopology,
      externalEtcd,
      apiServerEndpoint: handOff.endpoint,
      apiServerPort: settings.cluster.apiServerPort,
      kubernetesVersion: settings.cluster.kubernetesVersion,
      podSubnet: settings.cluster.podSubnet,
      serviceSubnet: settings.cluster.serviceSubnet,
      nodeSubnets: settings.subnetCidr ? [settings.subnetCidr] : [],
      cniManifestUrl: settings.cniManifestUrl,
      extraCertSans: settings.extraCertSans,
    },
    { parent },
  );
}
