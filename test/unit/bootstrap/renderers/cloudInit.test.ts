import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { paths } from "../../../../src/bootstrap/paths";
import { renderContainerdConfig } from "../../../../src/bootstrap/containerdConfig";
import { etcdInstallFunction } from "../../../../src/bootstrap/etcdRelease";
import {
  NodeCloudInitOptions,
  PREPARE_NODE_SCRIPT,
  renderNodeCloudInit,
} from "../../../../src/bootstrap/cloudInit";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn0d9y8tXyF5jZkz0V8y3P1Q2F1gR7kqkq0l2Xl7g0A admin@example";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops";

const variants: [string, NodeCloudInitOptions][] = [
  ["bare control plane", { role: "control-plane", kubernetesVersion: "1.34.2" }],
  [
    "control plane with keys and host name",
    { role: "control-plane", kubernetesVersion: "1.31.0", sshAuthorizedKeys: [ED25519, RSA], hostname: "cp-0" },
  ],
  ["bare etcd member", { role: "etcd", kubernetesVersion: "1.34.2" }],
  ["etcd member with key and host name", { role: "etcd", kubernetesVersion: "1.34.2", sshAuthorizedKeys: [ED25519], hostname: "etcd-2" }],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cloud-init-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command; fails the test if it is missing. */
function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 });
  if (result.error) {
    throw new Error(`${command} could not run: ${result.error.message}`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

type WriteFile = { path: string; content: string; permissions: string; owner: string };

function parsed(opts: NodeCloudInitOptions): { config: Record<string, any>; files: Map<string, WriteFile> } {
  const config = parse(renderNodeCloudInit(opts)) as Record<string, any>;
  const files = new Map<string, WriteFile>((config.write_files as WriteFile[]).map((f) => [f.path, f]));
  return { config, files };
}

describe("renderNodeCloudInit", () => {
  it.each(variants)("%s passes `cloud-init schema`", (label, opts) => {
    const file = join(dir, `${label.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, renderNodeCloudInit(opts));
    const { status, output } = run("cloud-init", ["schema", "--config-file", file]);
    expect(output).toContain("Valid cloud-config");
    expect(status).toBe(0);
  });

  it.each(variants)("%s has a preparation script that passes shellcheck", (label, opts) => {
    const script = parsed(opts).files.get(PREPARE_NODE_SCRIPT)!;
    expect(script.permissions).toBe("0755");
    const file = join(dir, `${label.replace(/\W+/g, "-")}.sh`);
    writeFileSync(file, script.content);
    const { status, output } = run("shellcheck", ["--shell=bash", file]);
    expect(output).toBe("");
    expect(status).toBe(0);
  });

  it.each(variants)("%s starts with #cloud-config and runs only the script, which installs the packages itself", (_label, opts) => {
    const text = renderNodeCloudInit(opts);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const { config, files } = parsed(opts);
    // cloud-init's packages module waits only 30 s for the apt lock (unattended-upgrades holds it at first boot).
    expect(config).not.toHaveProperty("packages");
    expect(config).not.toHaveProperty("package_update");
    expect(config.runcmd).toEqual([[PREPARE_NODE_SCRIPT]]);
    const script = files.get(PREPARE_NODE_SCRIPT)!.content;
    expect(script.startsWith("#!/bin/bash\n# Written by pulumi-k8s-ha cloud-init; safe to re-run.\nset -euo pipefail\n")).toBe(true);
    // The marker is the very last thing written, so it exists only if every step before succeeded.
    expect(paths.preparedMarker).toBe("/var/lib/pulumi-k8s-ha/node-prepared");
    expect(script.trimEnd().split("\n").pop()).toBe(`date -u +%Y-%m-%dT%H:%M:%SZ > /var/lib/pulumi-k8s-ha/node-prepared`);
    expect(text).not.toMatch(/PRIVATE KEY|token/i);
  });

  it("prepares a control plane: packages, kernel files, containerd, pinned Kubernetes packages", () => {
    const { files } = parsed({ role: "control-plane", kubernetesVersion: "1.34.2" });
    expect(files.get("/etc/modules-load.d/k8s.conf")!.content).toBe("overlay\nbr_netfilter\n");
    expect(files.get("/etc/sysctl.d/99-kubernetes.conf")!.content).toBe(
      "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n",
    );
    const script = files.get(PREPARE_NODE_SCRIPT)!.content;
    for (const line of [
      "apt_update",
      "apt_install ca-certificates curl gpg conntrack socat containerd jq",
      "modprobe overlay",
      "modprobe br_netfilter",
      "sysctl --system",
      "swapoff -a",
      "grep -q '^  SystemdCgroup = true$' /etc/containerd/config.toml",
      "systemctl restart containerd",
      "curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key | gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg",
      "echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /' > /etc/apt/sources.list.d/kubernetes.list",
      "apt_install --allow-change-held-packages 'kubelet=1.34.2-*' 'kubeadm=1.34.2-*' 'kubectl=1.34.2-*'",
      "apt_mark_hold kubelet kubeadm kubectl",
      "systemctl enable kubelet",
      "install_etcd",
    ]) {
      expect(script.split("\n")).toContain(line);
    }
    expect(script).not.toContain("containerd config default");
    // The key is fetched before the source that needs it is added, and both before the lists are refreshed again.
    expect(script.indexOf("Release.key")).toBeLessThan(script.indexOf("kubernetes.list"));
    expect(script.indexOf("kubernetes.list")).toBeLessThan(script.lastIndexOf("\napt_update\n"));
    // The distro packages (containerd among them) come after containerd's configuration file was written.
    expect(script.indexOf("\napt_install ca-certificates")).toBeGreaterThan(0);
  });

  it.each([
    ["1.34.2", "registry.k8s.io/pause:3.10.1"],
    ["1.33.6", "registry.k8s.io/pause:3.10"],
  ])("writes containerd's configuration for %s as a file (sandbox %s), before the script restarts containerd", (version, pause) => {
    const { files } = parsed({ role: "control-plane", kubernetesVersion: version });
    const config = files.get("/etc/containerd/config.toml")!;
    expect(config).toEqual({
      path: "/etc/containerd/config.toml",
      content: renderContainerdConfig({ kubernetesVersion: version }),
      owner: "root:root",
      permissions: "0644",
    });
    expect(config.content).toContain(`  sandbox_image = "${pause}"\n`);
    expect([...files.keys()].pop()).toBe(PREPARE_NODE_SCRIPT);
  });

  it("comments out swap lines of fstab, once, and leaves other lines alone", () => {
    const script = parsed({ role: "control-plane", kubernetesVersion: "1.34.2" }).files.get(PREPARE_NODE_SCRIPT)!.content;
    const sedLine = script.split("\n").find((line) => line.startsWith("sed -ri"))!;
    const fstab = join(dir, "fstab");
    writeFileSync(fstab, "UUID=1 / ext4 defaults 0 1\n/swap.img\tnone\tswap\tsw\t0\t0\n#/old none swap sw 0 0\n");
    const command = `${sedLine.replace("/etc/fstab", fstab)} && ${sedLine.replace("/etc/fstab", fstab)}`;
    expect(run("bash", ["-c", command]).status).toBe(0);
    expect(run("cat", [fstab]).output).toBe(
      "UUID=1 / ext4 defaults 0 1\n#/swap.img\tnone\tswap\tsw\t0\t0\n#/old none swap sw 0 0\n",
    );
  });

  it("uses the channel of the requested minor version", () => {
    const text = renderNodeCloudInit({ role: "control-plane", kubernetesVersion: "1.31.7" });
    expect(text).toContain("https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /");
    expect(text).toContain("'kubeadm=1.31.7-*'");
    expect(text).not.toContain("v1.34");
  });

  it("prepares an etcd member: the pinned upstream etcd release, no distro etcd package, any distro unit masked", () => {
    const { files } = parsed({ role: "etcd", kubernetesVersion: "1.34.2" });
    expect([...files.keys()]).toEqual([PREPARE_NODE_SCRIPT]);
    const script = files.get(PREPARE_NODE_SCRIPT)!.content;
    expect(script).toContain(etcdInstallFunction());
    const lines = script.split("\n");
    expect(lines.slice(lines.indexOf("apt_update"), lines.indexOf("apt_update") + 5)).toEqual([
      "apt_update",
      "apt_install ca-certificates curl jq",
      "install_etcd",
      "install -d -m 0700 /var/lib/etcd",
      "systemctl mask --now etcd.service",
    ]);
    expect(script).not.toContain("kubeadm");
    expect(files.has("/etc/sysctl.d/99-kubernetes.conf")).toBe(false);
  });

  it.each(["control-plane", "etcd"] as const)("the %s preparation installs no distro etcd (too old for kubeadm 1.34)", (role) => {
    const text = renderNodeCloudInit({ role, kubernetesVersion: "1.34.2" });
    expect(text).not.toMatch(/etcd-server|etcd-client|policy-rc\.d/);
    expect(parsed({ role, kubernetesVersion: "1.34.2" }).files.get(PREPARE_NODE_SCRIPT)!.content).toContain(
      "local version='v3.6.5' bin_dir='/usr/local/bin'",
    );
  });

  it("installs another pinned etcd release when asked, and refuses one without pinned sums", () => {
    expect(() => renderNodeCloudInit({ role: "etcd", kubernetesVersion: "1.34.2", etcdVersion: "v3.5.24" })).toThrow(
      /no pinned SHA-256 for etcd v3\.5\.24/,
    );
  });

  it("sets hostname and keys only when given", () => {
    const bare = parsed({ role: "control-plane", kubernetesVersion: "1.34.2", sshAuthorizedKeys: [] }).config;
    expect(bare).not.toHaveProperty("hostname");
    expect(bare).not.toHaveProperty("ssh_authorized_keys");
    const full = parsed({ role: "etcd", kubernetesVersion: "1.34.2", hostname: "etcd-0", sshAuthorizedKeys: [RSA] }).config;
    expect(full.hostname).toBe("etcd-0");
    expect(full.ssh_authorized_keys).toEqual([RSA]);
  });

  it.each<[string, Partial<NodeCloudInitOptions>, string]>([
    ["leading v", { kubernetesVersion: "v1.34.2" }, 'cloud-init: kubernetesVersion must look like 1.34.2 (no leading v), got "v1.34.2"'],
    ["pre-release", { kubernetesVersion: "1.35.0-rc.1" }, 'cloud-init: kubernetesVersion must look like 1.34.2 (no leading v), got "1.35.0-rc.1"'],
    ["bad hostname", { hostname: "CP_0" }, 'cloud-init: hostname must be one lower-case DNS label, got "CP_0"'],
    ["dotted hostname", { hostname: "cp-0.example" }, 'cloud-init: hostname must be one lower-case DNS label, got "cp-0.example"'],
    [
      "private key",
      { sshAuthorizedKeys: [ED25519, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn==\n-----END OPENSSH PRIVATE KEY-----"] },
      "cloud-init: sshAuthorizedKeys[1] must be one OpenSSH public key line",
    ],
    ["two keys in one entry", { sshAuthorizedKeys: [`${ED25519}\n${RSA}`] }, "cloud-init: sshAuthorizedKeys[0] must be one OpenSSH public key line"],
  ])("throws on %s", (_label, patch, message) => {
    expect(() => renderNodeCloudInit({ role: "control-plane", kubernetesVersion: "1.34.2", ...patch })).toThrow(new Error(message));
  });
});
