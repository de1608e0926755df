import { posix } from "path";
import { NodeRole } from "../topology/types";
import { aptFunctions } from "./apt";
import { CONTAINERD_CONFIG_FILE, ContainerdConfigOptions, renderContainerdConfig } from "./containerdConfig";
import { ETCD_VERSION, etcdInstallFunction } from "./etcdRelease";
import { KUBERNETES_APT_KEYRING, kubernetesAptRepository } from "./kubernetesPackages";
import { paths } from "./paths";
import { toYaml } from "./yaml";

/** The preparation script cloud-init writes and runs (`runcmd`); `set -euo pipefail`, safe to re-run. */
export const PREPARE_NODE_SCRIPT = "/usr/local/sbin/pulumi-k8s-ha-prepare-node";


const STABLE_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const PUBLIC_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Options of {@link renderNodeCloudInit}. Only public values: no keys, tokens or certificates. */
export interface NodeCloudInitOptions {
  /** What the machine runs: a kubeadm control plane, or a member of an external etcd cluster. */
  role: NodeRole;
  /** Kubernetes version without a leading `v`, e.g. `1.34.2`; selects the pkgs.k8s.io channel and pins the packages. */
  kubernetesVersion: string;
  /**
   * Upstream etcd release installed into /usr/local/bin (etcd members run it; every machine's quorum gate uses its
   * etcdctl); one with pinned checksums in `ETCD_RELEASE_SHA256`.
   * @default ETCD_VERSION ("v3.6.5")
   */
  etcdVersion?: string;
  /**
   * OpenSSH public keys (one per entry) authorised for the image's default user.
   * @default undefined (keys come from the cloud's own mechanism)
   */
  sshAuthorizedKeys?: string[];
  /**
   * Host name to set (one DNS label, lower case).
   * @default undefined (the cloud's default host name)
   */
  hostname?: string;
}

/**
 * Renders the `#cloud-config` user data that prepares an Ubuntu machine: for a control plane, kernel
 * modules, sysctls, swap off, containerd with its configuration written as a file ({@link renderContainerdConfig}:
 * the systemd cgroup driver, kubeadm's pause image, the CNI directories), and kubelet/kubeadm/kubectl from
 * pkgs.k8s.io pinned and held, plus the pinned upstream etcdctl and jq for the quorum gate; for an etcd member,
 * the pinned upstream etcd release (the bootstrap installs its own unit) and jq.
 * Every machine writes `paths.preparedMarker` last, so it exists only when all of it succeeded.
 *
 * @throws Error on a programming error (malformed version, host name or public key).
 */
export function renderNodeCloudInit(opts: NodeCloudInitOptions): string {
  stableVersion(opts.kubernetesVersion);
  const config: Record<string, unknown> = {};
  if (opts.hostname !== undefined) {
    if (!HOSTNAME.test(opts.hostname)) {
      throw new Error(`cloud-init: hostname must be one lower-case DNS label, got "${opts.hostname}"`);
    }
    config.hostname = opts.hostname;
  }
  if (opts.sshAuthorizedKeys !== undefined && opts.sshAuthorizedKeys.length > 0) {
    opts.sshAuthorizedKeys.forEach((key, i) => {
      if (!PUBLIC_KEY.test(key)) {
        throw new Error(`cloud-init: sshAuthorizedKeys[${i}] must be one OpenSSH public key line`);
      }
    });
    config.ssh_authorized_keys = [...opts.sshAuthorizedKeys];
  }
  // No `packages:` / `package_update:`: cloud-init waits only 30 s for the apt lock, which unattended-upgrades can
  // hold for minutes at first boot. The preparation script installs them, waiting for the lock.
  const preparation = renderNodePreparation({ role: opts.role, kubernetesVersion: opts.kubernetesVersion, etcdVersion: opts.etcdVersion });
  config.write_files = preparation.files.map((f) => file(f.path, f.content, f.permissions));
  config.runcmd = [[PREPARE_NODE_SCRIPT]];
  return `#cloud-config\n${toYaml(config)}`;
}

/** Options of {@link renderNodePreparation}: the public subset of {@link NodeCloudInitOptions} that shapes the machine. */
export interface NodePreparationOptions {
  /** What the machine runs: a kubeadm control plane, or a member of an external etcd cluster. */
  role: NodeRole;
  /** Kubernetes version without a leading `v`, e.g. `1.34.2`. */
  kubernetesVersion: string;
  /**
   * Upstream etcd release installed into /usr/local/bin; one with pinned checksums in `ETCD_RELEASE_SHA256`.
   * @default ETCD_VERSION ("v3.6.5")
   */
  etcdVersion?: string;
  /** containerd's `restrict_oom_score_adj` (see {@link ContainerdConfigOptions.restrictOomScoreAdj}). @default false */
  restrictOomScoreAdj?: boolean;
  /** Kubernetes apt repository template (`{minor}`). @default DEFAULT_KUBERNETES_APT_REPOSITORY (pkgs.k8s.io) */
  kubernetesAptRepository?: string;
}

/** What preparing a machine takes: files (the preparation script among them), then running that script. */
export interface NodePreparation {
  /**
   * Distro packages the preparation script installs itself, after the files are written (waiting up to
   * `APT_LOCK_TIMEOUT_SECONDS` for the apt lock, keeping configuration files written before them). Listed for
   * reference: a caller does not install them.
   */
  packages: string[];
  /** Files to write, in order; the last is {@link PREPARE_NODE_SCRIPT}. */
  files: { path: string; content: string; permissions: string }[];
}

/**
 * The machine preparation the node cloud-init performs, as plain data, so machines without cloud-init (your own
 * hosts) get exactly the same packages, files and {@link PREPARE_NODE_SCRIPT}.
 *
 * @throws Error on a malformed Kubernetes version, or an etcd version without pinned checksums.
 */
export function renderNodePreparation(opts: NodePreparationOptions): NodePreparation {
  const [major, minor] = stableVersion(opts.kubernetesVersion);
  const installEtcd = etcdInstallFunction({ version: opts.etcdVersion ?? ETCD_VERSION });
  if (opts.role === "control-plane") {
    const packages = ["ca-certificates", "curl", "gpg", "conntrack", "socat", "containerd", "jq"];
    return {
      packages,
      files: [
        { path: "/etc/modules-load.d/k8s.conf", content: "overlay\nbr_netfilter\n", permissions: "0644" },
        {
          path: "/etc/sysctl.d/99-kubernetes.conf",
          content: "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n",
          permissions: "0644",
        },
        { path: CONTAINERD_CONFIG_FILE, content: renderContainerdConfig({ kubernetesVersion: opts.kubernetesVersion, restrictOomScoreAdj: opts.restrictOomScoreAdj }), permissions: "0644" },
        { path: PREPARE_NODE_SCRIPT, content: controlPlaneScript(`${major}.${minor}`, opts.kubernetesVersion, installEtcd, packages, opts.kubernetesAptRepository), permissions: "0755" },
      ],
    };
  }
  const packages = ["ca-certificates", "curl", "jq"];
  return {
    packages,
    files: [{ path: PREPARE_NODE_SCRIPT, content: etcdScript(installEtcd, packages), permissions: "0755" }],
  };
}

/** The apt source line of a minor channel (e.g. `1.34`) of pkgs.k8s.io or of `repositoryTemplate`. */
export function kubernetesAptSource(minorVersion: string, repositoryTemplate?: string): string {
  return `deb [signed-by=${KUBERNETES_APT_KEYRING}] ${kubernetesAptRepository(minorVersion, repositoryTemplate)} /`;
}

/** Splits a stable `X.Y.Z` version; throws otherwise (pkgs.k8s.io stable channels have no pre-releases). */
function stableVersion(version: string): [number, number] {
  const match = STABLE_VERSION.exec(version);
  if (!match) {
    throw new Error(`cloud-init: kubernetesVersion must look like 1.34.2 (no leading v), got "${version}"`);
  }
  return [Number(match[1]), Number(match[2])];
}

/** One `write_files` entry. */
function file(path: string, content: string, permissions: string): Record<string, string> {
  return { path, content, owner: "root:root", permissions };
}

/** Shared script head: strict mode, the apt functions, the etcd installer, then the distro packages. */
function scriptHead(installEtcd: string, packages: string[]): string {
  return (
    "#!/bin/bash\n# Written by pulumi-k8s-ha cloud-init; safe to re-run.\nset -euo pipefail\n" +
    `${aptFunctions()}\n` +
    `${installEtcd}\n` +
    "apt_update\n" +
    `apt_install ${packages.join(" ")}\n`
  );
}

/** Shared script tail: the marker, written only when everything before succeeded. */
function markerLines(): string {
  return `install -d -m 0755 ${posix.dirname(paths.preparedMarker)}\ndate -u +%Y-%m-%dT%H:%M:%SZ > ${paths.preparedMarker}\n`;
}

/** Control-plane preparation: kernel, swap, containerd, pinned Kubernetes packages, pinned etcdctl, marker. */
function controlPlaneScript(minorVersion: string, version: string, installEtcd: string, packages: string[], repositoryTemplate?: string): string {
  const pinned = ["kubelet", "kubeadm", "kubectl"].map((pkg) => `'${pkg}=${version}-*'`).join(" ");
  return (
    scriptHead(installEtcd, packages) +
    "modprobe overlay\n" +
    "modprobe br_netfilter\n" +
    "sysctl --system\n" +
    "swapoff -a\n" +
    "sed -ri '/^[^#].*[[:space:]]swap[[:space:]]/s/^/#/' /etc/fstab\n" +
    // The configuration was written as a file (renderContainerdConfig); packages keep it (--force-confold).
    `grep -q '^  SystemdCgroup = true$' ${CONTAINERD_CONFIG_FILE}\n` +
    "systemctl restart containerd\n" +
    "install -d -m 0755 /etc/apt/keyrings\n" +
    `curl -fsSL ${kubernetesAptRepository(minorVersion, repositoryTemplate)}Release.key | gpg --batch --yes --dearmor -o ${KUBERNETES_APT_KEYRING}\n` +
    `echo '${kubernetesAptSource(minorVersion, repositoryTemplate)}' > /etc/apt/sources.list.d/kubernetes.list\n` +
    "apt_update\n" +
    `apt_install --allow-change-held-packages ${pinned}\n` +
    "apt_mark_hold kubelet kubeadm kubectl\n" +
    "systemctl enable kubelet\n" +
    "install_etcd\n" +
    markerLines()
  );
}

/**
 * etcd-member preparation: the pinned etcd release, its root-only state directory, any distro `etcd.service` (a
 * machine of your own may have one) stopped and masked so it never takes the ports, marker.
 */
function etcdScript(installEtcd: string, packages: string[]): string {
  return (
    scriptHead(installEtcd, packages) +
    "install_etcd\n" +
    "install -d -m 0700 /var/lib/etcd\n" +
    "systemctl mask --now etcd.service\n" +
    markerLines()
  );
}
