import * as pulumi from "@pulumi/pulumi";
import { EtcdCluster } from "../cluster/etcdCluster";
import { KubeadmControlPlane } from "../cluster/kubeadmControlPlane";
import type { ClusterHost } from "../cluster/types";
import type { AwsSettings } from "./validate";

/** The machines and endpoint the AWS layer hands to the cloud-neutral bootstrap. */
export interface BootstrapHandOff {
  /** Component name, prefix of the children's names. */
  name: string;
  /** Validated settings. */
  settings: AwsSettings;
  /** The zones, in order. */
  zones: string[];
  /** Control planes in plan order. */
  controlPlaneHosts: ClusterHost[];
  /** External etcd members in plan order (empty for stacked etcd). */
  etcdHosts: ClusterHost[];
  /** The API load balancer's DNS name (depends on its listener and targets). */
  endpoint: pulumi.Output<string>;
  /** CIDRs of the machines' network, when known. */
  nodeSubnets: string[];
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
      kubernetesVersion: settings.cluster.kubernetesVersion,
      podSubnet: settings.cluster.podSubnet,
      serviceSubnet: settings.cluster.serviceSubnet,
      nodeSubnets: handOff.nodeSubnets,
      cniManifestUrl: settings.cniManifestUrl,
      extraCertSans: settings.extraCertSans,
    },
    { parent },
  );
}
