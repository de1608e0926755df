import { KubeadmNodeRegistration } from "./kubeadmTypes";

/** containerd's CRI socket, as installed by the node cloud-init. */
export const CONTAINERD_CRI_SOCKET = "unix:///run/containerd/containerd.sock";

/** The taint kubeadm puts on control planes by default; written out so the intent is explicit. */
export const CONTROL_PLANE_TAINT_KEY = "node-role.kubernetes.io/control-plane";

const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const KUBERNETES_VERSION = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
/** kubeadm v1beta4 exists from this minor version on. */
const MIN_MINOR = 31;

/** Throws unless `value` is a non-blank string. Renderers throw plain Errors: callers validated user input. */
export function requireNonEmpty(field: string, value: string): void {
  if (value.trim() === "") {
    throw new Error(`kubeadm config: ${field} must not be empty`);
  }
}

/** Throws unless `port` is an integer TCP port. */
export function requirePort(field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`kubeadm config: ${field} must be an integer from 1 to 65535, got ${port}`);
  }
}

/** Throws unless `token` has the bootstrap token form `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function requireBootstrapToken(token: string): void {
  if (!BOOTSTRAP_TOKEN.test(token)) {
    throw new Error("kubeadm config: bootstrapToken must match ^[a-z0-9]{6}\\.[a-z0-9]{16}$");
  }
}

/**
 * Returns the kubeadm `kubernetesVersion` (`v1.34.2`) for a bare version (`1.34.2`).
 * Throws on a leading `v`, a malformed version or one older than 1.31 (no kubeadm v1beta4).
 */
export function kubernetesVersionTag(version: string): string {
  const match = KUBERNETES_VERSION.exec(version);
  if (!match) {
    throw new Error(`kubeadm config: kubernetesVersion must look like 1.34.2 (no leading v), got "${version}"`);
  }
  if (Number(match[1]) !== 1 || Number(match[2]) < MIN_MINOR) {
    throw new Error(`kubeadm config: kubernetesVersion must be 1.${MIN_MINOR} or newer for kubeadm v1beta4, got "${version}"`);
  }
  return `v${version}`;
}

/** Returns `sha256:<hex>` for a CA public-key hash given as `<hex>` or `sha256:<hex>` (any case). */
export function normaliseCaCertHash(hash: string): string {
  const hex = hash.trim().toLowerCase().replace(/^sha256:/, "");
  if (!SHA256_HEX.test(hex)) {
    throw new Error("kubeadm config: caCertHash must be 64 hex digits, optionally prefixed with sha256:");
  }
  return `sha256:${hex}`;
}

/** Joins a host and a port, bracketing an IPv6 address: `lb.example:6443`, `[fd00::1]:6443`. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Builds the `nodeRegistration` of a control plane: containerd socket, kubelet `node-ip` pinned to the
 * advertised address, and the control-plane NoSchedule taint unless `taintControlPlane` is false.
 */
export function controlPlaneNodeRegistration(
  nodeName: string,
  advertiseAddress: string,
  taintControlPlane: boolean,
): KubeadmNodeRegistration {
  return {
    name: nodeName,
    criSocket: CONTAINERD_CRI_SOCKET,
    taints: taintControlPlane ? [{ key: CONTROL_PLANE_TAINT_KEY, effect: "NoSchedule" }] : [],
    kubeletExtraArgs: [{ name: "node-ip", value: advertiseAddress }],
  };
}
