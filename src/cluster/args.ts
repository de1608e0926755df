import * as pulumi from "@pulumi/pulumi";
import type { GateMember } from "../bootstrap/scripts/quorumGate";
import type { EtcdTopology, QuorumPlan } from "../topology/types";
import type { EtcdBackupArgs, EtcdRestoreArgs } from "./backupArgs";
import type { CertificateRenewalArgs } from "./certificateRenewal";
import type { ClusterHost } from "./types";

/** Arguments of {@link EtcdCluster}: an external etcd tier on machines of its own. */
export interface EtcdClusterArgs {
  /** Cluster name (DNS label); also the etcd `initial-cluster-token`. */
  clusterName: string;
  /** The etcd machines, one member each, in plan order (`etcd-0`, `etcd-1`, ...). Their count must be odd. */
  hosts: ClusterHost[];
  /** Every zone / failure domain of the cluster, in order: the quorum check counts zones with no member too. */
  zones: string[];
  /** Require that losing any one zone keeps quorum. @default true */
  tolerateZoneFailure?: boolean;
  /** Extra names or addresses for the member server certificates (e.g. an etcd load balancer). @default [] */
  extraServerSans?: pulumi.Input<string>[];
  /** How long the quorum gate keeps retrying before it fails, in seconds. @default 300 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and machine preparation (cloud-init) on each host, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
  /** Scheduled snapshots on every member, see {@link EtcdBackupArgs}. @default none (no scheduled snapshots) */
  etcdBackup?: EtcdBackupArgs;
}

/** Arguments of {@link KubeadmControlPlane}: kubeadm HA control plane on given machines behind a given endpoint. */
export interface KubeadmControlPlaneArgs {
  /** Cluster name (DNS label, at most 40 characters). */
  clusterName: string;
  /** Every zone / failure domain of the cluster, in order. */
  zones: string[];
  /** The control-plane machines in plan order (`cp-0` first: it runs `kubeadm init`). */
  controlPlaneHosts: ClusterHost[];
  /** `"stacked"`: etcd on the control planes; `"external"`: etcd from `externalEtcd`. */
  etcdTopology: EtcdTopology;
  /** The external etcd tier. Required with `etcdTopology: "external"`, refused with `"stacked"`. */
  externalEtcd?: EtcdClusterOutputs;
  /** Require that losing any one zone keeps etcd quorum. @default true */
  tolerateZoneFailure?: boolean;
  /** Load balancer address (DNS name or IP, no port) in front of every kube-apiserver: the `controlPlaneEndpoint`. */
  apiServerEndpoint: pulumi.Input<string>;
  /** Port of the API server on the load balancer and on the nodes. @default 6443 */
  apiServerPort?: number;
  /** Extra subject alternative names for the API server certificate. @default [] */
  extraCertSans?: pulumi.Input<string>[];
  /** Kubernetes version `MAJOR.MINOR.PATCH`, 1.31 to 1.35. @default "1.34.2" */
  kubernetesVersion?: string;
  /** Pod network CIDR. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** Service network CIDR. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** CIDRs of the machines' own network, checked not to overlap the pod and service networks. @default [] */
  nodeSubnets?: string[];
  /** CNI manifest applied after `kubeadm init`; `""` skips it (bring your own CNI). @default Calico v3.31.6 (DEFAULT_CALICO_VERSION) */
  cniManifestUrl?: string;
  /** How long each quorum gate keeps retrying before it fails, in seconds. @default 600 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and machine preparation (cloud-init) on each host, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
  /**
   * Hours the workers' bootstrap token (`workerJoinToken`, `workerJoinCommand`) stays valid after each update, 1 to 8760:
   * longer for workers that join on their own later (an autoscaling group). Every `pulumi up` makes it valid again.
   * @default 24
   */
  workerJoinTokenTtlHours?: number;
  /**
   * Run `kubeadm reset` on a control plane when its bootstrap step is deleted (removing the node from the
   * cluster and, with stacked etcd, from etcd). Off by default: a delete never destroys a node's state unasked.
   * @default false
   */
  resetOnDelete?: boolean;
  /**
   * Join control planes one at a time even with external etcd. With stacked etcd joins are always serial
   * (each adds an etcd member; concurrent additions race: kubeadm#1646, #2001). With external etcd a join
   * changes no etcd membership and the CA files are placed by the program, so joins run in parallel after the
   * first gate (kubeadm maintainers: "it should be possible", kubeadm#1961); set this to go back to serial joins.
   * @default false
   */
  serialJoins?: boolean;
  /**
   * kubeadm preflight checks whose failure should not stop `kubeadm init`/`join` (names as kubeadm prints them,
   * e.g. `SystemVerification`, `NumCPU`). For machines that differ from a stock VM on purpose, such as
   * container-like machines (LXD, Proxmox CTs) whose kernel configuration kubeadm cannot read. `all` is refused:
   * name each check.
   * @default []
   */
  ignorePreflightErrors?: string[];
  /**
   * kubelet's `failCgroupV1` on every node. `false` lets kubelet 1.35+ start on cgroup v1 machines (older LXD
   * or Proxmox containers, old VM images); kubelet 1.34 only warns there.
   * @default undefined (kubelet's own default)
   */
  kubeletFailCgroupV1?: boolean;
  /**
   * kube-proxy's `conntrack.maxPerCore`. Set `0` on container-like machines (LXD, Proxmox CTs): they cannot
   * write the kernel-wide `nf_conntrack_max`, and kube-proxy crash-loops trying to. A VM needs no change.
   * @default undefined (kube-proxy's own default, 32768 per core)
   */
  kubeProxyConntrackMaxPerCore?: number;
  /**
   * The apt repository of kubeadm, kubelet and kubectl that an upgrade (a changed `kubernetesVersion`) installs the
   * target version from: a flat repository per minor, `{minor}` standing for it (`1.34`), its signing key at
   * `<url>Release.key`, as pkgs.k8s.io serves them. Give your mirror here.
   * @default "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/"
   */
  kubernetesAptRepository?: string;
  /**
   * Whether an upgrade installs kubeadm, kubelet and kubectl of the target version (apt, from
   * `kubernetesAptRepository`). `false` when the machines' Kubernetes binaries are managed outside the library
   * (your image pipeline): the upgrade then checks each machine has the target version and stops, naming it, if not.
   * @default true
   */
  installKubernetesPackages?: boolean;
  /**
   * Scheduled etcd snapshots on every voter (the control planes with stacked etcd; with external etcd give it to
   * the {@link EtcdCluster}), see {@link EtcdBackupArgs}.
   * @default none (no scheduled snapshots)
   */
  etcdBackup?: EtcdBackupArgs;
  /**
   * Restore etcd from a snapshot in this update, see {@link EtcdRestoreArgs}: an explicit operation, never part of an
   * ordinary change. Remove it once the restore is done. With external etcd the tier's machines are restored (the
   * `externalEtcd` must carry its `hosts`, as an {@link EtcdCluster} does; members run the library's systemd unit).
   * @default none (no restore)
   */
  etcdRestore?: EtcdRestoreArgs;
  /**
   * Read, after the final gate, when each control plane's certificates expire (the earliest of kubeadm's one-year leaf
   * certificates, the earliest CA, admin.conf's client certificate) into the `certificateExpiry` output, and warn when
   * any has fewer than 30 days left. One read-only step per control plane, after the final gate.
   * @default false
   */
  reportCertificateExpiry?: boolean;
  /**
   * Validity of the certificates kubeadm signs (API server, etcd server and peer, front proxy client, the kubeconfig
   * files' client certificates), whole hours such as `"8760h"`: applied by `kubeadm init`, by joins, and by renewals
   * (`certificateRenewal`, `kubeadm upgrade`). The CAs are the library's (10 years). A change applies at the next
   * renewal; control planes that join later take the value the cluster was created with.
   * @default undefined (kubeadm's default, "8760h": one year)
   */
  certificateValidityPeriod?: string;
  /**
   * Renew kubeadm's certificates from `pulumi up`: every update checks each control plane, one at a time, and when
   * its earliest kubeadm certificate has fewer than `renewWithinDays` days left, runs the quorum gate, `kubeadm certs
   * renew all`, and restarts its etcd member (stacked), kube-apiserver, controller-manager and scheduler, each awaited
   * healthy; the `kubeconfig` output is read again afterwards. Adds one step per control plane that every update
   * re-runs (a quick read when nothing is due). Without it certificates are renewed only by upgrades.
   * @default undefined (no renewal by pulumi up)
   */
  certificateRenewal?: CertificateRenewalArgs;
}

/** What {@link KubeadmControlPlane} needs from an external etcd tier (an {@link EtcdCluster} has all of it). */
export interface EtcdClusterOutputs {
  /** Client URLs of every member, `https://<address>:2379`. */
  readonly endpoints: pulumi.Output<string[]>;
  /** PEM of the etcd CA certificate. */
  readonly caCertPem: pulumi.Output<string>;
  /** PEM of the client certificate kube-apiserver uses towards etcd. */
  readonly apiServerClientCertPem: pulumi.Output<string>;
  /** PEM of its private key (secret). */
  readonly apiServerClientKeyPem: pulumi.Output<string>;
  /** Resources to wait for before the control plane uses etcd (the tier's final quorum gate). */
  readonly readyResources: pulumi.Resource[];
  /** The tier's quorum arithmetic (voters, quorum size, node and zone failures tolerated). */
  readonly quorumPlan: QuorumPlan;
  /** Every member by name and client URL, as the quorum gate checks them. */
  readonly gateMembers: pulumi.Output<GateMember[]>;
  /** The members' machines (an {@link EtcdCluster} has them): needed for `etcdRestore` with external etcd. @default none */
  readonly hosts?: ClusterHost[];
}
