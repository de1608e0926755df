/**
 * Typed subset of the kubeadm `kubeadm.k8s.io/v1beta4` API (Kubernetes >= 1.31) and of the kubelet
 * `kubelet.config.k8s.io/v1beta1` API: only the fields this library writes.
 */

/** The kubeadm config API version written by the renderers. */
export const KUBEADM_API_VERSION = "kubeadm.k8s.io/v1beta4";

/** The kubelet config API version written by the renderers. */
export const KUBELET_API_VERSION = "kubelet.config.k8s.io/v1beta1";

/** The kube-proxy config API version written by the renderers. */
export const KUBE_PROXY_API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";

/** One command-line argument, as v1beta4 lists them (`extraArgs`, `kubeletExtraArgs`): a list, not a map. */
export interface KubeadmArg {
  /** Flag name without leading dashes, e.g. `node-ip`. */
  name: string;
  /** Flag value. */
  value: string;
}

/** A Node taint (`core/v1` Taint). */
export interface KubeadmTaint {
  /** Taint key. */
  key: string;
  /** Taint effect. */
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** Taint value, if any. */
  value?: string;
}

/** `NodeRegistrationOptions`: how the node registers itself. */
export interface KubeadmNodeRegistration {
  /** Node object name. */
  name: string;
  /** CRI socket URL. */
  criSocket: string;
  /** Taints of the Node object; an empty list means no taint. */
  taints: KubeadmTaint[];
  /** Extra kubelet flags for this node only. */
  kubeletExtraArgs: KubeadmArg[];
}

/** `APIEndpoint`: where this node's API server listens. */
export interface KubeadmAPIEndpoint {
  /** Address the API server advertises. */
  advertiseAddress: string;
  /** Secure port the API server binds. */
  bindPort: number;
}

/** `BootstrapToken` created by `kubeadm init`. */
export interface KubeadmBootstrapToken {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`. */
  token: string;
  /** Lifetime as a Go duration, e.g. `24h0m0s`. */
  ttl: string;
  /** What the token may be used for. */
  usages: string[];
  /** Extra groups the token authenticates as. */
  groups: string[];
}

/** `InitConfiguration`: node-local settings of `kubeadm init`. */
export interface KubeadmInitConfiguration {
  /** Always {@link KUBEADM_API_VERSION}. */
  apiVersion: typeof KUBEADM_API_VERSION;
  /** Always `InitConfiguration`. */
  kind: "InitConfiguration";
  /** Bootstrap tokens to create. */
  bootstrapTokens?: KubeadmBootstrapToken[];
  /** This control plane's API endpoint. */
  localAPIEndpoint: KubeadmAPIEndpoint;
  /** Node registration. */
  nodeRegistration: KubeadmNodeRegistration;
  /** Init phases to skip, e.g. `addon/kube-proxy`. */
  skipPhases?: string[];
}

/** `LocalEtcd`: stacked etcd run by kubeadm as a static pod. */
export interface KubeadmLocalEtcd {
  /** Data directory on the host. */
  dataDir: string;
}

/** `ExternalEtcd`: an etcd cluster kubeadm does not manage. */
export interface KubeadmExternalEtcd {
  /** Client URLs of the members. */
  endpoints: string[];
  /** CA certificate the API server trusts for etcd. */
  caFile: string;
  /** API server's etcd client certificate. */
  certFile: string;
  /** API server's etcd client key. */
  keyFile: string;
}

/** `Etcd`: exactly one of `local` or `external`. */
export interface KubeadmEtcd {
  /** Stacked etcd. */
  local?: KubeadmLocalEtcd;
  /** External etcd. */
  external?: KubeadmExternalEtcd;
}

/** `Networking`. */
export interface KubeadmNetworking {
  /** Pod CIDR. */
  podSubnet: string;
  /** Service CIDR. */
  serviceSubnet: string;
  /** Cluster DNS domain. */
  dnsDomain: string;
}

/** `APIServer` settings used here. */
export interface KubeadmAPIServer {
  /** Extra Subject Alternative Names of the API server certificate. */
  certSANs: string[];
}

/** `ClusterConfiguration`: cluster-wide settings. */
export interface KubeadmClusterConfiguration {
  /** Always {@link KUBEADM_API_VERSION}. */
  apiVersion: typeof KUBEADM_API_VERSION;
  /** Always `ClusterConfiguration`. */
  kind: "ClusterConfiguration";
  /** Cluster name (kubeconfig cluster entry). */
  clusterName: string;
  /** Kubernetes version with a leading `v`, e.g. `v1.34.2`. */
  kubernetesVersion: string;
  /** `host:port` of the load balancer in front of every API server. */
  controlPlaneEndpoint: string;
  /** Cluster networking. */
  networking: KubeadmNetworking;
  /** API server settings. */
  apiServer: KubeadmAPIServer;
  /** Where etcd runs. */
  etcd: KubeadmEtcd;
  /** Validity of the leaf certificates kubeadm signs (a Go duration, e.g. `8760h`); kubeadm's default when absent. */
  certificateValidityPeriod?: string;
}

/** `BootstrapTokenDiscovery`: how a joining node finds and trusts the cluster. */
export interface KubeadmBootstrapTokenDiscovery {
  /** `host:port` of the API server (the load balancer). */
  apiServerEndpoint: string;
  /** Bootstrap token. */
  token: string;
  /** Pinned CA public-key hashes, `sha256:<hex>`. */
  caCertHashes: string[];
}

/** `JoinControlPlane`: makes the joining node a control plane. */
export interface KubeadmJoinControlPlane {
  /** This control plane's API endpoint. */
  localAPIEndpoint: KubeadmAPIEndpoint;
}

/** `JoinConfiguration`: settings of `kubeadm join`. */
export interface KubeadmJoinConfiguration {
  /** Always {@link KUBEADM_API_VERSION}. */
  apiVersion: typeof KUBEADM_API_VERSION;
  /** Always `JoinConfiguration`. */
  kind: "JoinConfiguration";
  /** Discovery settings. */
  discovery: { bootstrapToken: KubeadmBootstrapTokenDiscovery };
  /** Present for a control-plane join. */
  controlPlane: KubeadmJoinControlPlane;
  /** Node registration. */
  nodeRegistration: KubeadmNodeRegistration;
}

/** `KubeletConfiguration` fields set by this library. */
export interface KubeletConfiguration {
  /** Always {@link KUBELET_API_VERSION}. */
  apiVersion: typeof KUBELET_API_VERSION;
  /** Always `KubeletConfiguration`. */
  kind: "KubeletConfiguration";
  /** Must match containerd's `SystemdCgroup = true`. */
  cgroupDriver: "systemd";
  /** Refuse to start on cgroup v1 hosts (kubelet's own default: true from 1.35). Written only when set. */
  failCgroupV1?: boolean;
}

/** `KubeProxyConfiguration` fields set by this library (written only when one of them is set). */
export interface KubeProxyConfiguration {
  /** Always {@link KUBE_PROXY_API_VERSION}. */
  apiVersion: typeof KUBE_PROXY_API_VERSION;
  /** Always `KubeProxyConfiguration`. */
  kind: "KubeProxyConfiguration";
  /** Connection-tracking settings. */
  conntrack: {
    /** Conntrack entries per CPU core kube-proxy sets `nf_conntrack_max` to; 0 leaves the kernel's value alone. */
    maxPerCore: number;
  };
}
