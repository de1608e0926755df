/** Where containerd reads its configuration; the node preparation writes it as a file. */
export const CONTAINERD_CONFIG_FILE = "/etc/containerd/config.toml";

/** Where kubelet's CNI plugins are installed (the `kubernetes-cni` layout, and what Calico and flannel expect). */
export const CNI_BIN_DIR = "/opt/cni/bin";

/** Where CNI network configurations are read from (the Kubernetes default). */
export const CNI_CONF_DIR = "/etc/cni/net.d";

/**
 * The pause image tag kubeadm expects per Kubernetes minor (kubeadm's `constants.PauseVersion`): its preflight warns
 * when the runtime's sandbox image differs, and kubelet would pull a second pause image.
 */
export const PAUSE_IMAGE_TAGS: Readonly<Record<string, string>> = {
  "1.31": "3.10",
  "1.32": "3.10",
  "1.33": "3.10",
  "1.34": "3.10.1",
  "1.35": "3.10.1",
};

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:@]*$/;

/** `registry.k8s.io/pause:<tag>` for a Kubernetes version such as `1.34.2` (no leading `v`). */
export function pauseImage(kubernetesVersion: string): string {
  const match = VERSION.exec(kubernetesVersion);
  if (!match) {
    throw new Error(`containerd config: kubernetesVersion must look like 1.34.2 (no leading v), got ${JSON.stringify(kubernetesVersion)}`);
  }
  const minor = `${match[1]}.${match[2]}`;
  const tag = PAUSE_IMAGE_TAGS[minor];
  if (tag === undefined) {
    throw new Error(`containerd config: no pause image known for Kubernetes ${minor} (known: ${Object.keys(PAUSE_IMAGE_TAGS).join(", ")})`);
  }
  return `registry.k8s.io/pause:${tag}`;
}

/** Options of {@link renderContainerdConfig}; give `kubernetesVersion` or `sandboxImage`. */
export interface ContainerdConfigOptions {
  /**
   * Kubernetes version (`1.34.2`) whose kubeadm's pause image becomes the sandbox image.
   * @default undefined (then `sandboxImage` is required)
   */
  kubernetesVersion?: string;
  /**
   * Sandbox (pause) image of every pod, e.g. a mirror's copy.
   * @default pauseImage(kubernetesVersion), e.g. "registry.k8s.io/pause:3.10.1" for 1.34
   */
  sandboxImage?: string;
  /**
   * runc puts containers in systemd-managed cgroups; must match kubelet's `cgroupDriver` (kubeadm's default is systemd).
   * @default true
   */
  systemdCgroup?: boolean;
  /**
   * containerd's `restrict_oom_score_adj`: never set a container's `oom_score_adj` below containerd's own.
   * Needed where containerd lacks CAP_SYS_RESOURCE (unprivileged LXD/Proxmox containers, kind-like test
   * hosts): there every pod sandbox fails with `failed to update /proc/self/oom_score_adj: Permission denied`.
   * @default false
   */
  restrictOomScoreAdj?: boolean;
}

/**
 * Renders containerd's `config.toml` (configuration version 2, read by containerd 1.6, 1.7 and 2.x) with every
 * setting kubelet depends on written explicitly instead of edited into the package's default: the CRI plugin's
 * sandbox image, runc (`io.containerd.runc.v2`) as the default runtime with `SystemdCgroup`, and the CNI
 * directories. Everything else keeps containerd's built-in defaults.
 *
 * @throws Error when neither `kubernetesVersion` nor `sandboxImage` is given, or on a malformed one.
 */
export function renderContainerdConfig(opts: ContainerdConfigOptions): string {
  if (opts.sandboxImage === undefined && opts.kubernetesVersion === undefined) {
    throw new Error("containerd config: give kubernetesVersion or sandboxImage");
  }
  const sandboxImage = opts.sandboxImage ?? pauseImage(opts.kubernetesVersion as string);
  if (!IMAGE.test(sandboxImage)) {
    throw new Error(`containerd config: sandboxImage must be an image reference, got ${JSON.stringify(sandboxImage)}`);
  }
  const cri = `[plugins."io.containerd.grpc.v1.cri"`;
  return [
    "# Written by pulumi-k8s-ha: containerd for kubelet (CRI). Settings not listed keep containerd's defaults.",
    "version = 2",
    "",
    `${cri}]`,
    `  sandbox_image = "${sandboxImage}"`,
    ...(opts.restrictOomScoreAdj ? ["  restrict_oom_score_adj = true"] : []),
    "",
    `${cri}.containerd]`,
    `  default_runtime_name = "runc"`,
    "",
    `${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    "",
    `${cri}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${opts.systemdCgroup ?? true}`,
    "",
    `${cri}.cni]`,
    `  bin_dir = "${CNI_BIN_DIR}"`,
    `  conf_dir = "${CNI_CONF_DIR}"`,
    "",
  ].join("\n");
}
