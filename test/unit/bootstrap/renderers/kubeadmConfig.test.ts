import { parseAllDocuments, parse } from "yaml";
import {
  KubeadmInitOptions,
  KubeadmJoinOptions,
  renderKubeadmCertificatesConfig,
  renderKubeadmInitConfig,
  renderKubeadmJoinConfig,
} from "../../../../src/bootstrap/kubeadmConfig";

const TOKEN = "abcdef.0123456789abcdef";
const HASH = "0f".repeat(32);

const initOpts: KubeadmInitOptions = {
  clusterName: "demo",
  kubernetesVersion: "1.34.2",
  controlPlaneEndpoint: "lb.example.com",
  apiServerPort: 6443,
  advertiseAddress: "10.0.1.10",
  nodeName: "cp-0",
  bootstrapToken: TOKEN,
  podSubnet: "10.244.0.0/16",
  serviceSubnet: "10.96.0.0/12",
  certSans: ["api.example.com", "lb.example.com", "localhost"],
};

const joinOpts: KubeadmJoinOptions = {
  controlPlaneEndpoint: "lb.example.com",
  apiServerPort: 6443,
  advertiseAddress: "10.0.1.11",
  nodeName: "cp-1",
  bootstrapToken: TOKEN,
  caCertHash: HASH,
};

/** Parses a multi-document stream, failing on any YAML error. */
function documents(text: string): Record<string, any>[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Record<string, any>;
  });
}

describe("renderKubeadmInitConfig", () => {
  it("renders Init, Cluster and Kubelet configurations in that order", () => {
    const docs = documents(renderKubeadmInitConfig(initOpts));
    expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual([
      "kubeadm.k8s.io/v1beta4/InitConfiguration",
      "kubeadm.k8s.io/v1beta4/ClusterConfiguration",
      "kubelet.config.k8s.io/v1beta1/KubeletConfiguration",
    ]);
  });

  it("writes the exact InitConfiguration", () => {
    const [init] = documents(renderKubeadmInitConfig(initOpts));
    expect(init).toEqual({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "InitConfiguration",
      bootstrapTokens: [
        {
          token: TOKEN,
          ttl: "24h0m0s",
          usages: ["signing", "authentication"],
          groups: ["system:bootstrappers:kubeadm:default-node-token"],
        },
      ],
      localAPIEndpoint: { advertiseAddress: "10.0.1.10", bindPort: 6443 },
      nodeRegistration: {
        name: "cp-0",
        criSocket: "unix:///run/containerd/containerd.sock",
        taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
        kubeletExtraArgs: [{ name: "node-ip", value: "10.0.1.10" }],
      },
    });
  });

  it("writes the exact ClusterConfiguration with stacked etcd and deduplicated SANs", () => {
    const [, cluster] = documents(renderKubeadmInitConfig(initOpts));
    expect(cluster).toEqual({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "ClusterConfiguration",
      clusterName: "demo",
      kubernetesVersion: "v1.34.2",
      controlPlaneEndpoint: "lb.example.com:6443",
      networking: { podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12", dnsDomain: "cluster.local" },
      // First occurrence wins: "localhost" keeps the place it has in certSans.
      apiServer: { certSANs: ["lb.example.com", "api.example.com", "localhost", "127.0.0.1"] },
      etcd: { local: { dataDir: "/var/lib/etcd" } },
    });
  });

  it("writes the KubeletConfiguration with the systemd cgroup driver", () => {
    const [, , kubelet] = documents(renderKubeadmInitConfig(initOpts));
    expect(kubelet).toEqual({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      cgroupDriver: "systemd",
    });
  });

  it("writes failCgroupV1 and a KubeProxyConfiguration only when asked (container-like machines)", () => {
    const docs = documents(renderKubeadmInitConfig({ ...initOpts, kubeletFailCgroupV1: false, kubeProxyConntrackMaxPerCore: 0 }));
    expect(docs.map((d) => d.kind)).toEqual(["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"]);
    expect(docs[2]).toEqual({ apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", cgroupDriver: "systemd", failCgroupV1: false });
    expect(docs[3]).toEqual({ apiVersion: "kubeproxy.config.k8s.io/v1alpha1", kind: "KubeProxyConfiguration", conntrack: { maxPerCore: 0 } });
  });

  it.each([[-1], [1.5]])("refuses kubeProxyConntrackMaxPerCore %p", (perCore) => {
    expect(() => renderKubeadmInitConfig({ ...initOpts, kubeProxyConntrackMaxPerCore: perCore })).toThrow(
      `kubeadm config: kubeProxyConntrackMaxPerCore must be an integer >= 0, got ${perCore}`,
    );
  });

  it.each([[undefined], [[]]])("uses stacked etcd for externalEtcdEndpoints %p", (endpoints) => {
    const [, cluster] = documents(renderKubeadmInitConfig({ ...initOpts, externalEtcdEndpoints: endpoints }));
    expect(cluster.etcd).toEqual({ local: { dataDir: "/var/lib/etcd" } });
  });

  it("uses external etcd with the API server's etcd client files when endpoints are given", () => {
    const endpoints = ["https://10.0.2.10:2379", "https://10.0.2.11:2379", "https://10.0.2.12:2379"];
    const [, cluster] = documents(renderKubeadmInitConfig({ ...initOpts, externalEtcdEndpoints: endpoints }));
    expect(cluster.etcd).toEqual({
      external: {
        endpoints,
        caFile: "/etc/kubernetes/pki/etcd/ca.crt",
        certFile: "/etc/kubernetes/pki/apiserver-etcd-client.crt",
        keyFile: "/etc/kubernetes/pki/apiserver-etcd-client.key",
      },
    });
  });

  it("writes skipPhases only when given", () => {
    expect(documents(renderKubeadmInitConfig(initOpts))[0]).not.toHaveProperty("skipPhases");
    const [init] = documents(renderKubeadmInitConfig({ ...initOpts, skipPhases: ["addon/kube-proxy"] }));
    expect(init.skipPhases).toEqual(["addon/kube-proxy"]);
  });

  it("registers an untainted control plane when taintControlPlane is false", () => {
    const [init] = documents(renderKubeadmInitConfig({ ...initOpts, taintControlPlane: false }));
    expect(init.nodeRegistration.taints).toEqual([]);
  });

  it("brackets an IPv6 load balancer address in controlPlaneEndpoint but not in certSANs", () => {
    const [, cluster] = documents(
      renderKubeadmInitConfig({ ...initOpts, controlPlaneEndpoint: "fd00::10", certSans: [] }),
    );
    expect(cluster.controlPlaneEndpoint).toBe("[fd00::10]:6443");
    expect(cluster.apiServer.certSANs).toEqual(["fd00::10", "127.0.0.1", "localhost"]);
  });

  it("keeps the output free of a 'v' the caller added and of folded lines", () => {
    const text = renderKubeadmInitConfig(initOpts);
    expect(text).toContain("kubernetesVersion: v1.34.2\n");
    expect(text.split("\n").filter((line) => line === "---")).toHaveLength(2);
  });

  it.each<[string, Partial<KubeadmInitOptions>, string]>([
    ["empty nodeName", { nodeName: " " }, "kubeadm config: nodeName must not be empty"],
    ["empty clusterName", { clusterName: "" }, "kubeadm config: clusterName must not be empty"],
    ["empty endpoint", { controlPlaneEndpoint: "" }, "kubeadm config: controlPlaneEndpoint must not be empty"],
    ["empty address", { advertiseAddress: "" }, "kubeadm config: advertiseAddress must not be empty"],
    ["empty podSubnet", { podSubnet: "" }, "kubeadm config: podSubnet must not be empty"],
    ["empty serviceSubnet", { serviceSubnet: "" }, "kubeadm config: serviceSubnet must not be empty"],
    ["empty SAN", { certSans: ["a", ""] }, "kubeadm config: certSans[1] must not be empty"],
    ["empty phase", { skipPhases: [""] }, "kubeadm config: skipPhases[0] must not be empty"],
    ["port 0", { apiServerPort: 0 }, "kubeadm config: apiServerPort must be an integer from 1 to 65535, got 0"],
    ["port 1.5", { apiServerPort: 1.5 }, "kubeadm config: apiServerPort must be an integer from 1 to 65535, got 1.5"],
    ["port 65536", { apiServerPort: 65536 }, "kubeadm config: apiServerPort must be an integer from 1 to 65535, got 65536"],
    ["uppercase token", { bootstrapToken: "ABCDEF.0123456789abcdef" }, "kubeadm config: bootstrapToken must match ^[a-z0-9]{6}\\.[a-z0-9]{16}$"],
    ["short token", { bootstrapToken: "abcdef.0123" }, "kubeadm config: bootstrapToken must match ^[a-z0-9]{6}\\.[a-z0-9]{16}$"],
    ["leading v", { kubernetesVersion: "v1.34.2" }, 'kubeadm config: kubernetesVersion must look like 1.34.2 (no leading v), got "v1.34.2"'],
    ["two parts", { kubernetesVersion: "1.34" }, 'kubeadm config: kubernetesVersion must look like 1.34.2 (no leading v), got "1.34"'],
    ["too old", { kubernetesVersion: "1.30.9" }, 'kubeadm config: kubernetesVersion must be 1.31 or newer for kubeadm v1beta4, got "1.30.9"'],
    ["http etcd", { externalEtcdEndpoints: ["http://10.0.0.1:2379"] }, 'kubeadm config: externalEtcdEndpoints[0] must be an https:// URL, got "http://10.0.0.1:2379"'],
  ])("throws on %s", (_label, patch, message) => {
    expect(() => renderKubeadmInitConfig({ ...initOpts, ...patch })).toThrow(new Error(message));
  });

  it("accepts a pre-release version", () => {
    const [, cluster] = documents(renderKubeadmInitConfig({ ...initOpts, kubernetesVersion: "1.35.0-rc.1" }));
    expect(cluster.kubernetesVersion).toBe("v1.35.0-rc.1");
  });
});

describe("renderKubeadmCertificatesConfig", () => {
  const { bootstrapToken: _token, ...clusterOpts } = initOpts;
  it("names the machine and carries the init's ClusterConfiguration, with the validity, and no token", () => {
    const text = renderKubeadmCertificatesConfig({ ...clusterOpts, nodeName: "cp-2", advertiseAddress: "10.0.1.12", certificateValidityPeriod: "4380h" });
    const [init, cluster] = documents(text);
    expect(init).toEqual({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "InitConfiguration",
      localAPIEndpoint: { advertiseAddress: "10.0.1.12", bindPort: 6443 },
      nodeRegistration: {
        name: "cp-2",
        criSocket: "unix:///run/containerd/containerd.sock",
        taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
        kubeletExtraArgs: [{ name: "node-ip", value: "10.0.1.12" }],
      },
    });
    const [, initCluster] = documents(renderKubeadmInitConfig({ ...initOpts, certificateValidityPeriod: "4380h" }));
    expect(cluster).toEqual(initCluster);
    expect(cluster.certificateValidityPeriod).toBe("4380h");
    expect(text).not.toContain(TOKEN);
  });

  it("leaves the validity to kubeadm when not given, and refuses one that is not whole hours", () => {
    const [, cluster] = documents(renderKubeadmCertificatesConfig({ ...clusterOpts }));
    expect(cluster).not.toHaveProperty("certificateValidityPeriod");
    expect(() => renderKubeadmInitConfig({ ...initOpts, certificateValidityPeriod: "1y" })).toThrow('certificateValidityPeriod must be whole hours like "8760h", got "1y"');
  });
});

describe("renderKubeadmJoinConfig", () => {
  it("writes exactly one JoinConfiguration", () => {
    const text = renderKubeadmJoinConfig(joinOpts);
    expect(parseAllDocuments(text)).toHaveLength(1);
    expect(parse(text)).toEqual({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "JoinConfiguration",
      discovery: {
        bootstrapToken: {
          apiServerEndpoint: "lb.example.com:6443",
          token: TOKEN,
          caCertHashes: [`sha256:${HASH}`],
        },
      },
      controlPlane: { localAPIEndpoint: { advertiseAddress: "10.0.1.11", bindPort: 6443 } },
      nodeRegistration: {
        name: "cp-1",
        criSocket: "unix:///run/containerd/containerd.sock",
        taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
        kubeletExtraArgs: [{ name: "node-ip", value: "10.0.1.11" }],
      },
    });
  });

  it("has no certificateKey: the CA files are placed before the join", () => {
    expect(renderKubeadmJoinConfig(joinOpts)).not.toContain("certificateKey");
  });

  it.each([
    [HASH, `sha256:${HASH}`],
    [`sha256:${HASH}`, `sha256:${HASH}`],
    [`SHA256:${HASH.toUpperCase()}`, `sha256:${HASH}`],
  ])("normalises caCertHash %s", (given, expected) => {
    const join = parse(renderKubeadmJoinConfig({ ...joinOpts, caCertHash: given }));
    expect(join.discovery.bootstrapToken.caCertHashes).toEqual([expected]);
  });

  it("registers an untainted control plane when taintControlPlane is false", () => {
    const join = parse(renderKubeadmJoinConfig({ ...joinOpts, taintControlPlane: false }));
    expect(join.nodeRegistration.taints).toEqual([]);
  });

  it("brackets an IPv6 apiServerEndpoint", () => {
    const join = parse(renderKubeadmJoinConfig({ ...joinOpts, controlPlaneEndpoint: "fd00::10", apiServerPort: 443 }));
    expect(join.discovery.bootstrapToken.apiServerEndpoint).toBe("[fd00::10]:443");
  });

  it.each<[string, Partial<KubeadmJoinOptions>, string]>([
    ["empty nodeName", { nodeName: "" }, "kubeadm config: nodeName must not be empty"],
    ["empty endpoint", { controlPlaneEndpoint: "" }, "kubeadm config: controlPlaneEndpoint must not be empty"],
    ["empty address", { advertiseAddress: "" }, "kubeadm config: advertiseAddress must not be empty"],
    ["bad port", { apiServerPort: -1 }, "kubeadm config: apiServerPort must be an integer from 1 to 65535, got -1"],
    ["bad token", { bootstrapToken: "abcdef0123456789abcdef" }, "kubeadm config: bootstrapToken must match ^[a-z0-9]{6}\\.[a-z0-9]{16}$"],
    ["short hash", { caCertHash: "sha256:abc" }, "kubeadm config: caCertHash must be 64 hex digits, optionally prefixed with sha256:"],
    ["non-hex hash", { caCertHash: "z".repeat(64) }, "kubeadm config: caCertHash must be 64 hex digits, optionally prefixed with sha256:"],
    ["other algorithm", { caCertHash: `sha512:${HASH}` }, "kubeadm config: caCertHash must be 64 hex digits, optionally prefixed with sha256:"],
  ])("throws on %s", (_label, patch, message) => {
    expect(() => renderKubeadmJoinConfig({ ...joinOpts, ...patch })).toThrow(new Error(message));
  });
});
