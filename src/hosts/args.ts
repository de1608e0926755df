import type * as pulumi from "@pulumi/pulumi";
import type { EtcdBackupArgs, EtcdRestoreArgs } from "../cluster/backupArgs";
import type { CertificateRenewalArgs } from "../cluster/certificateRenewal";
import type { ClusterHost } from "../cluster/types";
import type { EtcdTopology } from "../topology/types";

/** A machine you already have, reached over SSH. */
export interface HostSpec {
  /** Node name (a DNS label, unique across all hosts): the Kubernetes node name or etcd member name. */
  name: string;
  /** Address the program dials over SSH (IP or DNS name); may be an output (e.g. another stack's), checked once it is known. */
  address: pulumi.Input<string>;
  /** Address the cluster members use to reach this machine (goes into certificates and etcd URLs); may be an output. @default address */
  privateAddress?: pulumi.Input<string>;
  /** SSH login user; root, or a user with password-less sudo. May be an output. */
  user: pulumi.Input<string>;
  /** SSH private key (PEM or OpenSSH); kept as a secret. */
  privateKey: pulumi.Input<string>;
  /** SSH port. @default 22 */
  port?: number;
  /** Rack, room or site the machine is in: plays the role of a cloud zone in the quorum checks. */
  failureDomain: string;
}

/** A jump host every SSH connection goes through (`connection.proxy`). */
export interface BastionSpec {
  /** Address of the bastion; may be an output (e.g. another stack's). */
  host: pulumi.Input<string>;
  /** SSH user on the bastion; may be an output. */
  user: pulumi.Input<string>;
  /** SSH private key for the bastion; kept as a secret. */
  privateKey: pulumi.Input<string>;
  /** SSH port of the bastion. @default 22 */
  port?: number;
}

/**
 * Arguments of {@link HostsControlPlane}: a kubeadm HA control plane on machines you already have. Give the API
 * endpoint either as `apiServerEndpoint` (a load balancer you run) or as `loadBalancerHosts` (HAProxy on them,
 * optionally with a keepalived virtual IP), exactly one of the two. Addresses, users and `apiServerEndpoint` may be
 * outputs (another stack's, through a `StackReference`): they get the same checks once known (in the preview when
 * it knows them, else during `pulumi up`), before any step touches a machine.
 */
export interface HostsControlPlaneArgs {
  /** Cluster name: a DNS label of at most 40 characters. */
  clusterName: string;
  /** The control-plane machines, in order (the first runs `kubeadm init`). With stacked etcd their count is odd. */
  controlPlaneHosts: HostSpec[];
  /** Machines of an external etcd tier (odd count). Required with `etcdTopology: "external"`, refused otherwise. @default [] */
  etcdHosts?: HostSpec[];
  /** Every failure domain, in order; quorum checks count domains without machines too. @default the distinct `failureDomain`s of the hosts, in order */
  failureDomains?: string[];
  /** `"stacked"`: etcd on the control planes; `"external"`: etcd on `etcdHosts`. @default "stacked" */
  etcdTopology?: EtcdTopology;
  /** Require that losing any one failure domain keeps etcd quorum. @default true */
  tolerateZoneFailure?: boolean;
  /** Jump host for every SSH connection. @default direct connections */
  bastion?: BastionSpec;

  /** An API endpoint you already run (DNS name or IP, no scheme, no port) in front of every control plane; may be an output. Refused with `loadBalancerHosts`. @default none */
  apiServerEndpoint?: pulumi.Input<string>;
  /** Machines that run HAProxy in front of the control planes (TCP, `/readyz` checks over TLS). Refused with `apiServerEndpoint`. @default [] */
  loadBalancerHosts?: HostSpec[];
  /** Virtual IP that keepalived (VRRP) moves between `loadBalancerHosts`; the API endpoint is then this address. @default none (the endpoint is the first load-balancer host) */
  virtualIp?: string;
  /** Network interface of the load-balancer hosts that carries the virtual IP (e.g. `eth0`). Required with `virtualIp`. @default none */
  virtualIpInterface?: string;
  /** VRRP router id, unique on the network segment. Only with `virtualIp`. @default 51 */
  virtualRouterId?: number;
  /**
   * HAProxy's global connection limit on `loadBalancerHosts`. HAProxy needs about twice as many open files and
   * refuses to start when the machine's hard limit is lower ("Cannot raise FD limit"): lower it on containers
   * with a small hard `nofile` limit.
   * @default 20000
   */
  loadBalancerMaxConnections?: number;

  /** Install packages and run the node preparation (as cloud-init does on cloud machines) over SSH; needs apt and systemd. @default true */
  prepareHosts?: boolean;
  /** Kubernetes version `MAJOR.MINOR.PATCH`, 1.31 to 1.35. @default "1.34.2" */
  kubernetesVersion?: string;
  /** Pod network CIDR. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** Service network CIDR. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** CIDRs of the machines' own network, checked not to overlap the pod and service networks. @default [] */
  nodeSubnets?: string[];
  /** Port of the API server on the endpoint and on the nodes. @default 6443 */
  apiServerPort?: number;
  /** CNI manifest applied after `kubeadm init`; `""` skips it. @default Calico v3.31.6 (DEFAULT_CALICO_VERSION) */
  cniManifestUrl?: string;
  /** Extra subject alternative names (DNS names or IP addresses) for the API server certificate. @default [] */
  extraCertSans?: string[];
  /** How long each quorum gate keeps retrying before it fails, in seconds. @default 600 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and preparation on each machine, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
  /**
   * Hours the workers' bootstrap token (`workerJoinToken`, `workerJoinCommand`) stays valid after each update, 1 to 8760:
   * longer for workers that join on their own later (an autoscaling group). Every `pulumi up` makes it valid again.
   * @default 24
   */
  workerJoinTokenTtlHours?: number;
  /** Run `kubeadm reset` on a control plane when its bootstrap step is deleted. @default false */
  resetOnDelete?: boolean;
  /** kubeadm preflight checks to ignore, by name (e.g. `SystemVerification` on container-like machines); `all` is refused. @default [] */
  ignorePreflightErrors?: string[];
  /** kubelet's `failCgroupV1`; `false` lets kubelet 1.35+ start on cgroup v1 machines (LXD/Proxmox containers). @default undefined (kubelet's default) */
  kubeletFailCgroupV1?: boolean;
  /** kube-proxy's `conntrack.maxPerCore`; `0` on container-like machines, which cannot write `nf_conntrack_max`. @default undefined (kube-proxy's default) */
  kubeProxyConntrackMaxPerCore?: number;
  /** The Kubernetes apt repository (`{minor}` for the minor) the preparation and upgrades install from. See {@link KubeadmControlPlaneArgs.kubernetesAptRepository}. @default "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/" */
  kubernetesAptRepository?: string;
  /** Whether an upgrade installs the target kubeadm, kubelet and kubectl (apt); `false` when you manage the binaries. See {@link KubeadmControlPlaneArgs.installKubernetesPackages}. @default true */
  installKubernetesPackages?: boolean;
  /** containerd's `restrict_oom_score_adj`, written by the preparation: `true` where containerd lacks CAP_SYS_RESOURCE (unprivileged LXD/Proxmox containers), or every pod sandbox fails. Only with `prepareHosts`. @default false */
  containerdRestrictOomScoreAdj?: boolean;
  /**
   * Scheduled etcd snapshots on every etcd voter (the control planes with stacked etcd, `etcdHosts` with external
   * etcd): a systemd timer, local retention, optional upload with rclone from the raft leader only. See
   * {@link EtcdBackupArgs}.
   * @default none (no scheduled snapshots)
   */
  etcdBackup?: EtcdBackupArgs;
  /**
   * Restore etcd from a snapshot in this update (the control planes with stacked etcd, `etcdHosts` with external
   * etcd, which need systemd), see {@link EtcdRestoreArgs}: explicit, confirmed by the snapshot's sha256, never part
   * of an ordinary change. Remove it once the restore is done.
   * @default none (no restore)
   */
  etcdRestore?: EtcdRestoreArgs;
  /** Report when each control plane's certificates expire (output `certificateExpiry`, a warning under 30 days left). See {@link KubeadmControlPlaneArgs.reportCertificateExpiry}. @default false */
  reportCertificateExpiry?: boolean;
  /** Validity of the certificates kubeadm signs, whole hours. See {@link KubeadmControlPlaneArgs.certificateValidityPeriod}. @default undefined (kubeadm's "8760h") */
  certificateValidityPeriod?: string;
  /** Renew kubeadm's certificates from `pulumi up` when due. See {@link KubeadmControlPlaneArgs.certificateRenewal}. @default undefined (renewed only by upgrades) */
  certificateRenewal?: CertificateRenewalArgs;
}

/** One server behind {@link ApiLoadBalancer}. */
export interface LoadBalancerBackend {
  /** Server name (letters, digits, `.`, `_`, `-`). */
  name: string;
  /** Its address. */
  address: pulumi.Input<string>;
}

/** Arguments of {@link ApiLoadBalancer}: HAProxy (and optionally keepalived) on machines you already have. */
export interface ApiLoadBalancerArgs {
  /** The load-balancer machines (at least one). */
  hosts: ClusterHost[];
  /** The servers to balance over (at least one). */
  backends: LoadBalancerBackend[];
  /** Port HAProxy listens on. @default 6443 */
  frontendPort?: number;
  /** Port of the backends. @default 6443 */
  backendPort?: number;
  /** HTTP path of the TLS health check. @default "/readyz" */
  healthCheckPath?: string;
  /** CA file (on the load-balancer machines) to verify the backends with in health checks. @default no verification */
  healthCheckCaFile?: string;
  /** PEM with client certificate and key (on the load-balancer machines) presented in health checks. @default none */
  healthCheckCertFile?: string;
  /** HAProxy's global connection limit (it needs about twice as many file descriptors). @default 20000 */
  maxConnections?: number;
  /** Virtual IP moved by keepalived between the hosts; it becomes the endpoint. @default none */
  virtualIp?: string;
  /** Interface carrying the virtual IP. Required with `virtualIp`. @default none */
  virtualIpInterface?: string;
  /** VRRP router id. @default 51 */
  virtualRouterId?: number;
  /** Install HAProxy (and keepalived) when missing, with apt. @default true */
  installPackages?: boolean;
  /** How long to wait for SSH on each machine, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
}
