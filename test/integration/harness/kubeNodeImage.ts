/**
 * The "machine image" of a kind-node-like test host: exactly what a VM image, the distro and pkgs.k8s.io package
 * installs and the library's own preparation (cloud-init) leave on a machine before the library's bootstrap acts:
 *   - kubeadm, kubelet, kubectl in /usr/bin, kubelet.service with kubeadm's drop-in as the packages ship them,
 *     kubelet enabled (the kubelet package enables it), crictl (cri-tools), CNI plugins in /opt/cni/bin
 *     (kubernetes-cni);
 *   - the pinned upstream etcd/etcdctl/etcdutl the library's preparation installs;
 *   - the library's own containerd configuration, sysctl and module files (rendered by the library itself, with
 *     the documented settings for container-like machines);
 *   - extra trusted CAs (an image's company CA bundle; the test serves the CNI manifest over HTTPS);
 *   - the preparation marker cloud-init writes last.
 * Binaries come from the cache of test/testbed/build-upstream.sh. The directory is an overlay layer under every
 * host's disk (kind-hosts.sh TESTBED_IMAGE); it must never hold /bin, /lib or /sbin (on merged-/usr Debian they
 * are symlinks of the machine's root, which a directory in a higher layer would hide).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderNodePreparation, PREPARE_NODE_SCRIPT } from "../../../src/bootstrap";
import { paths } from "../../../src/bootstrap/paths";
import { upstreamBinary } from "./upstreamCache";

/** kubelet.service as the kubelet .deb of pkgs.k8s.io ships it (kubernetes/release, cmd/krel templates). */
export const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

/** kubeadm's kubelet drop-in as the kubeadm .deb ships it (10-kubeadm.conf). */
export const KUBEADM_DROP_IN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** Where Debian's containernetworking-plugins keeps the CNI plugins (kubernetes-cni puts them in /opt/cni/bin). */
const DEBIAN_CNI_PLUGINS = "/usr/lib/cni";

/** Options of {@link buildKubeNodeImage}. */
export interface KubeNodeImageOptions {
    /** Directory to (re)create. */
    readonly dir: string;
    /** Kubernetes version without `v`, e.g. `1.34.2`. */
    readonly kubernetesVersion: string;
    /** PEM certificates to trust besides the machine's bundle. @default [] */
    readonly extraCaPems?: readonly string[];
}

function put(root: string, file: string, content: string | Buffer, mode = 0o644): void {
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    chmodSync(target, mode);
}

function copy(root: string, file: string, from: string, mode = 0o755): void {
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(from, target);
    chmodSync(target, mode);
}

/** Builds the image directory; returns it. */
export function buildKubeNodeImage(options: KubeNodeImageOptions): string {
    const { dir, kubernetesVersion } = options;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const k8s = `v${kubernetesVersion}`;
    for (const binary of ["kubeadm", "kubelet", "kubectl"]) copy(dir, `usr/bin/${binary}`, upstreamBinary("kubernetes", k8s, binary));
    copy(dir, "usr/bin/crictl", upstreamBinary("crictl", undefined, "crictl"));
    for (const binary of ["etcd", "etcdctl", "etcdutl"]) copy(dir, `usr/local/bin/${binary}`, upstreamBinary("etcd", undefined, binary));
    put(dir, "usr/lib/systemd/system/kubelet.service", KUBELET_SERVICE);
    put(dir, "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROP_IN);
    mkdirSync(path.join(dir, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    symlinkSync("/usr/lib/systemd/system/kubelet.service", path.join(dir, "etc/systemd/system/multi-user.target.wants/kubelet.service"));
    for (const plugin of readdirSync(DEBIAN_CNI_PLUGINS)) copy(dir, `opt/cni/bin/${plugin}`, path.join(DEBIAN_CNI_PLUGINS, plugin));

    // The library's own preparation files (sysctls, kernel modules, containerd configuration), minus the script
    // that would fetch packages: those are the binaries above.
    // containerd here lacks CAP_SYS_RESOURCE (the machine's bounding set has none), like an unprivileged LXD
    // container: restrictOomScoreAdj, the documented setting for such machines.
    for (const file of renderNodePreparation({ role: "control-plane", kubernetesVersion, restrictOomScoreAdj: true }).files) {
        if (file.path !== PREPARE_NODE_SCRIPT) put(dir, file.path.replace(/^\//, ""), file.content, parseInt(file.permissions, 8));
    }
    const bundle = readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8");
    put(dir, "etc/ssl/certs/ca-certificates.crt", [bundle.trimEnd(), ...(options.extraCaPems ?? []).map((p) => p.trim())].join("\n") + "\n");
    put(dir, paths.preparedMarker.replace(/^\//, ""), "prepared by the test bed's machine image\n");
    // sanity: the layer must not shadow the machine's merged-/usr symlinks
    for (const top of ["bin", "lib", "lib64", "sbin"]) {
        if (existsSync(path.join(dir, top))) throw new Error(`kube node image: ${top}/ would hide the machine's /${top} symlink`);
    }
    execFileSync("sync");
    return dir;
}
