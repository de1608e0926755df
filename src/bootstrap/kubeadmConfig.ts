import {
  controlPlaneNodeRegistration,
  hostPort,
  kubernetesVersionTag,
  normaliseCaCertHash,
  requireBootstrapToken,
  requireNonEmpty,
  requirePort,
} from "./kubeadmNode";
import {
  KUBEADM_API_VERSION,
  KUBE_PROXY_API_VERSION,
  KUBELET_API_VERSION,
  KubeadmClusterConfiguration,
  KubeadmEtcd,
  KubeadmInitConfiguration,
  KubeadmJoinConfiguration,
  KubeletConfiguration,
  KubeProxyConfiguration,
} from "./kubeadmTypes";
import { toYaml, toYamlDocuments } from "./yaml";

/** Where kubeadm keeps the stacked etcd data. */
export const STACKED_ETCD_DATA_DIR = "/var/lib/etcd";

/** CA the API server trusts for an external etcd (placed by the bootstrap before `kubeadm init`/`join`). */
export const EXTERNAL_ETCD_CA_FILE = "/etc/kubernetes/pki/etcd/ca.crt";

/** API server's client certificate for an external etcd. */
export const EXTERNAL_ETCD_CERT_FILE = "/etc/kubernetes/pki/apiserver-etcd-client.crt";

/** API server's client key for an external etcd. */
export const EXTERNAL_ETCD_KEY_FILE = "/etc/kubernetes/pki/apiserver-etcd-client.key";

/** Lifetime of the bootstrap token created by `kubeadm init`. */
const BOOTSTRAP_TOKEN_TTL = "24h0m0s";

/** Options of {@link renderKubeadmInitConfig}: everything the first control plane's `kubeadm init` needs. */
export interface KubeadmInitOptions {
  /** Cluster name, as it appears in kubeconfig files. */
  clusterName: string;
  /** Kubernetes version without a leading `v`, e.g. `1.34.2`; 1.31 or newer (kubeadm v1beta4). */
  kubernetesVersion: string;
  /** Host (DNS name or IP) of the load balancer in front of every API server. */
  controlPlaneEndpoint: string;
  /** API server port, on the load balancer and on every control plane. */
  apiServerPort: number;
  /** Address this control plane's API server advertises; also the kubelet `node-ip`. */
  advertiseAddress: string;
  /** Kubernetes Node name of this machine. */
  nodeName: string;
  /** Bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}` that the other control planes join with. */
  bootstrapToken: string;
  /** Pod CIDR. */
  podSubnet: string;
  /** Service CIDR. */
  serviceSubnet: string;
  /**
   * Extra API server certificate SANs. The load balancer host, `127.0.0.1` and `localhost` are always added;
   * duplicates are removed.
   */
  certSans: string[];
  /**
   * Client URLs (`https://host:2379`) of an external etcd cluster. Undefined or empty means stacked etcd run
   * by kubeadm on the control planes.
   * @default undefined (stacked etcd)
   */
  externalEtcdEndpoints?: string[];
  /**
   * `kubeadm init` phases to skip, e.g. `["addon/kube-proxy"]` when a CNI replaces kube-proxy.
   * @default undefined (no phase skipped)
   */
  skipPhases?: string[];
  /**
   * Register the control plane with the `node-role.kubernetes.io/control-plane:NoSchedule` taint.
   * @default true
   */
  taintControlPlane?: boolean;
  /**
   * kubelet's `failCgroupV1` for every node (the KubeletConfiguration kubeadm shares with joining nodes).
   * `false` lets kubelet 1.35+ run on cgroup v1 machines (older LXD/Proxmox containers, some VM images).
   * @default undefined (kubelet's own default: refuse cgroup v1 from 1.35, warn on 1.34)
   */
  kubeletFailCgroupV1?: boolean;
  /**
   * kube-proxy's `conntrack.maxPerCore`. `0` keeps kube-proxy from writing the kernel-wide
   * `nf_conntrack_max`, which container-like machines (LXD, Proxmox CTs, kind) cannot write.
   * @default undefined (kube-proxy's own default, 32768 per core)
   */
  kubeProxyConntrackMaxPerCore?: number;
  /**
   * Validity of the leaf certificates kubeadm signs (API server, etcd, front proxy client, kubeconfig client
   * certificates), as a Go duration in hours, e.g. `"8760h"`; used by `kubeadm init`, by joins (from the cluster's
   * configuration) and by `kubeadm certs renew`.
   * @default undefined (kubeadm's own default, 8760h: one year)
   */
  certificateValidityPeriod?: string;
}

/** The ClusterConfiguration's inputs: what {@link renderKubeadmInitConfig} and {@link renderKubeadmCertificatesConfig} share. */
export type KubeadmClusterOptions = Pick<
  KubeadmInitOptions,
  "clusterName" | "kubernetesVersion" | "controlPlaneEndpoint" | "apiServerPort" | "podSubnet" | "serviceSubnet" | "certSans" | "externalEtcdEndpoints" | "certificateValidityPeriod"
>;

/** Options of {@link renderKubeadmCertificatesConfig}: the cluster, and the control plane the file is for. */
export interface KubeadmCertificatesOptions extends KubeadmClusterOptions {
  /** Address this control plane's API server advertises. */
  advertiseAddress: string;
  /** Kubernetes Node name of this machine. */
  nodeName: string;
}

/** Options of {@link renderKubeadmJoinConfig}: a further control plane's `kubeadm join --control-plane`. */
export interface KubeadmJoinOptions {
  /** Host (DNS name or IP) of the load balancer in front of every API server. */
  controlPlaneEndpoint: string;
  /** API server port, on the load balancer and on this control plane. */
  apiServerPort: number;
  /** Address this control plane's API server advertises; also the kubelet `node-ip`. */
  advertiseAddress: string;
  /** Kubernetes Node name of this machine. */
  nodeName: string;
  /** Bootstrap token created by `kubeadm init`. */
  bootstrapToken: string;
  /** SHA-256 of the cluster CA's SubjectPublicKeyInfo, as `<hex>` or `sha256:<hex>`. */
  caCertHash: string;
  /**
   * Register the control plane with the `node-role.kubernetes.io/control-plane:NoSchedule` taint.
   * @default true
   */
  taintControlPlane?: boolean;
}

/**
 * Renders the `kubeadm init --config` file of the first control plane: an InitConfiguration, a
 * ClusterConfiguration (stacked or external etcd), a KubeletConfiguration (systemd cgroup driver) and, when
 * a kube-proxy setting is given, a KubeProxyConfiguration, as one multi-document YAML stream.
 *
 * The result holds the bootstrap token: treat it as a secret.
 *
 * @throws Error on a programming error (empty name, malformed token, port or version).
 */
export function renderKubeadmInitConfig(opts: KubeadmInitOptions): string {
  requireNonEmpty("clusterName", opts.clusterName);
  requireNonEmpty("controlPlaneEndpoint", opts.controlPlaneEndpoint);
  requireNonEmpty("advertiseAddress", opts.advertiseAddress);
  requireNonEmpty("nodeName", opts.nodeName);
  requireBootstrapToken(opts.bootstrapToken);

  const init: KubeadmInitConfiguration = {
    apiVersion: KUBEADM_API_VERSION,
    kind: "InitConfiguration",
    bootstrapTokens: [
      {
        token: opts.bootstrapToken,
        ttl: BOOTSTRAP_TOKEN_TTL,
        usages: ["signing", "authentication"],
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
      },
    ],
    localAPIEndpoint: { advertiseAddress: opts.advertiseAddress, bindPort: opts.apiServerPort },
    nodeRegistration: controlPlaneNodeRegistration(
      opts.nodeName,
      opts.advertiseAddress,
      opts.taintControlPlane ?? true,
    ),
  };
  if (opts.skipPhases !== undefined && opts.skipPhases.length > 0) {
    opts.skipPhases.forEach((phase, i) => requireNonEmpty(`skipPhases[${i}]`, phase));
    init.skipPhases = [...opts.skipPhases];
  }

  const cluster = clusterConfiguration(opts);

  const kubelet: KubeletConfiguration = {
    apiVersion: KUBELET_API_VERSION,
    kind: "KubeletConfiguration",
    cgroupDriver: "systemd",
    ...(opts.kubeletFailCgroupV1 === undefined ? {} : { failCgroupV1: opts.kubeletFailCgroupV1 }),
  };
  const documents: object[] = [init, cluster, kubelet];
  if (opts.kubeProxyConntrackMaxPerCore !== undefined) {
    if (!Number.isInteger(opts.kubeProxyConntrackMaxPerCore) || opts.kubeProxyConntrackMaxPerCore < 0) {
      throw new Error(`kubeadm config: kubeProxyConntrackMaxPerCore must be an integer >= 0, got ${opts.kubeProxyConntrackMaxPerCore}`);
    }
    const kubeProxy: KubeProxyConfiguration = {
      apiVersion: KUBE_PROXY_API_VERSION,
      kind: "KubeProxyConfiguration",
      conntrack: { maxPerCore: opts.kubeProxyConntrackMaxPerCore },
    };
    documents.push(kubeProxy);
  }
  return toYamlDocuments(documents);
}

/**
 * Renders the `kubeadm join --config` file of a further control plane: one JoinConfiguration with
 * bootstrap-token discovery pinned to the cluster CA hash. It carries no `certificateKey`: the shared CA
 * files are placed on the machine before the join.
 *
 * The result holds the bootstrap token: treat it as a secret.
 *
 * @throws Error on a programming error (empty name, malformed token, hash or port).
 */
export function renderKubeadmJoinConfig(opts: KubeadmJoinOptions): string {
  requireNonEmpty("controlPlaneEndpoint", opts.controlPlaneEndpoint);
  requireNonEmpty("advertiseAddress", opts.advertiseAddress);
  requireNonEmpty("nodeName", opts.nodeName);
  requirePort("apiServerPort", opts.apiServerPort);
  requireBootstrapToken(opts.bootstrapToken);
  const caCertHash = normaliseCaCertHash(opts.caCertHash);

  const join: KubeadmJoinConfiguration = {
    apiVersion: KUBEADM_API_VERSION,
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: hostPort(opts.controlPlaneEndpoint, opts.apiServerPort),
        token: opts.bootstrapToken,
        caCertHashes: [caCertHash],
      },
    },
    controlPlane: {
      localAPIEndpoint: { advertiseAddress: opts.advertiseAddress, bindPort: opts.apiServerPort },
    },
    nodeRegistration: controlPlaneNodeRegistration(
      opts.nodeName,
      opts.advertiseAddress,
      opts.taintControlPlane ?? true,
    ),
  };
  return toYaml(join);
}

/**
 * Renders the `--config` file of `kubeadm certs check-expiration` / `kubeadm certs renew` on one control plane: an
 * InitConfiguration naming the machine (so kubeadm detects nothing) and the cluster's ClusterConfiguration, whose
 * `certificateValidityPeriod` the renewal applies. It holds no secret (no bootstrap token): it may be command text.
 */
export function renderKubeadmCertificatesConfig(opts: KubeadmCertificatesOptions): string {
  requireNonEmpty("advertiseAddress", opts.advertiseAddress);
  requireNonEmpty("nodeName", opts.nodeName);
  const init: KubeadmInitConfiguration = {
    apiVersion: KUBEADM_API_VERSION,
    kind: "InitConfiguration",
    localAPIEndpoint: { advertiseAddress: opts.advertiseAddress, bindPort: opts.apiServerPort },
    nodeRegistration: controlPlaneNodeRegistration(opts.nodeName, opts.advertiseAddress, true),
  };
  return toYamlDocuments([init, clusterConfiguration(opts)]);
}

/** The ClusterConfiguration of every kubeadm file that carries one. */
function clusterConfiguration(opts: KubeadmClusterOptions): KubeadmClusterConfiguration {
  requireNonEmpty("clusterName", opts.clusterName);
  requireNonEmpty("controlPlaneEndpoint", opts.controlPlaneEndpoint);
  requireNonEmpty("podSubnet", opts.podSubnet);
  requireNonEmpty("serviceSubnet", opts.serviceSubnet);
  requirePort("apiServerPort", opts.apiServerPort);
  if (opts.certificateValidityPeriod !== undefined && !CERTIFICATE_VALIDITY_PATTERN.test(opts.certificateValidityPeriod)) {
    throw new Error(`kubeadm config: certificateValidityPeriod must be whole hours like "8760h", got "${opts.certificateValidityPeriod}"`);
  }
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: "ClusterConfiguration",
    clusterName: opts.clusterName,
    kubernetesVersion: kubernetesVersionTag(opts.kubernetesVersion),
    controlPlaneEndpoint: hostPort(opts.controlPlaneEndpoint, opts.apiServerPort),
    networking: { podSubnet: opts.podSubnet, serviceSubnet: opts.serviceSubnet, dnsDomain: "cluster.local" },
    apiServer: { certSANs: apiServerCertSans(opts.controlPlaneEndpoint, opts.certSans) },
    etcd: etcdSection(opts.externalEtcdEndpoints),
    ...(opts.certificateValidityPeriod === undefined ? {} : { certificateValidityPeriod: opts.certificateValidityPeriod }),
  };
}

/** A Go duration in whole hours, as the library accepts `certificateValidityPeriod`. */
export const CERTIFICATE_VALIDITY_PATTERN = /^[1-9][0-9]*h$/;

/** The API server SANs: load balancer host, the extra SANs, then loopback names; first occurrence wins. */
function apiServerCertSans(controlPlaneEndpoint: string, certSans: readonly string[]): string[] {
  certSans.forEach((san, i) => requireNonEmpty(`certSans[${i}]`, san));
  return [...new Set([controlPlaneEndpoint, ...certSans, "127.0.0.1", "localhost"])];
}

/** Stacked etcd for no endpoints, otherwise external etcd with the API server's etcd client files. */
function etcdSection(externalEtcdEndpoints: readonly string[] | undefined): KubeadmEtcd {
  if (externalEtcdEndpoints === undefined || externalEtcdEndpoints.length === 0) {
    return { local: { dataDir: STACKED_ETCD_DATA_DIR } };
  }
  externalEtcdEndpoints.forEach((endpoint, i) => {
    if (!/^https:\/\/\S+$/.test(endpoint)) {
      throw new Error(`kubeadm config: externalEtcdEndpoints[${i}] must be an https:// URL, got "${endpoint}"`);
    }
  });
  return {
    external: {
      endpoints: [...externalEtcdEndpoints],
      caFile: EXTERNAL_ETCD_CA_FILE,
      certFile: EXTERNAL_ETCD_CERT_FILE,
      keyFile: EXTERNAL_ETCD_KEY_FILE,
    },
  };
}
