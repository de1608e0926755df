import * as pulumi from "@pulumi/pulumi";
import type { EtcdTopology } from "pulumi-k8s-ha";
import { HostsControlPlane, type HostSpec } from "pulumi-k8s-ha/hosts";

/** One machine as written in the stack configuration (the SSH key is shared and given separately). */
export interface ConfiguredHost {
  name: string;
  address: string;
  privateAddress?: string;
  user: string;
  port?: number;
  failureDomain: string;
}

/** The example's stack configuration (see README.md for the keys). */
export interface OwnHostsConfig {
  clusterName: string;
  controlPlaneHosts: ConfiguredHost[];
  etcdHosts?: ConfiguredHost[];
  loadBalancerHosts?: ConfiguredHost[];
  apiServerEndpoint?: string;
  virtualIp?: string;
  virtualIpInterface?: string;
  etcdTopology?: EtcdTopology;
  kubernetesVersion?: string;
  prepareHosts?: boolean;
  bastion?: { host: string; user: string; port?: number };
  /** SSH private key of every machine (and the bastion), a secret. */
  sshPrivateKey: pulumi.Input<string>;
}

/** What the example exports. */
export interface OwnHostsOutputs {
  kubeconfig: pulumi.Output<string>;
  apiServerEndpoint: pulumi.Output<string>;
  nodesByZone: pulumi.Output<Record<string, string[]>>;
  etcdEndpoints: pulumi.Output<string[]>;
  quorum: pulumi.Output<unknown>;
  planWarnings: pulumi.Output<string[]>;
  /** `sha256:<hex>` of the cluster CA's public key, for `kubeadm join --discovery-token-ca-cert-hash`. */
  caCertHash: pulumi.Output<string>;
  /** The full `kubeadm join` command for a worker you manage yourself (secret). */
  workerJoinCommand: pulumi.Output<string>;
}

/** The program: a HostsControlPlane over the configured machines. */
export function stack(config: OwnHostsConfig): OwnHostsOutputs {
  const withKey = (host: ConfiguredHost): HostSpec => ({ ...host, privateKey: config.sshPrivateKey });
  const cluster = new HostsControlPlane(config.clusterName, {
    clusterName: config.clusterName,
    controlPlaneHosts: config.controlPlaneHosts.map(withKey),
    etcdHosts: config.etcdHosts?.map(withKey),
    etcdTopology: config.etcdTopology,
    loadBalancerHosts: config.loadBalancerHosts?.map(withKey),
    apiServerEndpoint: config.apiServerEndpoint,
    virtualIp: config.virtualIp,
    virtualIpInterface: config.virtualIpInterface,
    kubernetesVersion: config.kubernetesVersion,
    prepareHosts: config.prepareHosts,
    bastion: config.bastion ? { ...config.bastion, privateKey: config.sshPrivateKey } : undefined,
  });
  return {
    kubeconfig: cluster.kubeconfig,
    apiServerEndpoint: cluster.apiServerEndpoint,
    nodesByZone: cluster.nodesByZone,
    etcdEndpoints: cluster.etcdEndpoints,
    quorum: cluster.quorum,
    planWarnings: cluster.plan.apply((plan) => plan.warnings),
    caCertHash: cluster.caCertHash,
    workerJoinCommand: cluster.workerJoinCommand,
  };
}
