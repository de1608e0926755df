import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as bootstrap from "../../../../src/bootstrap";
import {
  ContainerdConfigOptions,
  PAUSE_IMAGE_TAGS,
  pauseImage,
  renderContainerdConfig,
} from "../../../../src/bootstrap/containerdConfig";

describe("pause image kubeadm expects", () => {
  test.each([
    ["1.31.0", "registry.k8s.io/pause:3.10"],
    ["1.32.9", "registry.k8s.io/pause:3.10"],
    ["1.33.13", "registry.k8s.io/pause:3.10"],
    ["1.34.2", "registry.k8s.io/pause:3.10.1"],
    ["1.35.0", "registry.k8s.io/pause:3.10.1"],
  ])("Kubernetes %s -> %s", (version, image) => {
    expect(pauseImage(version)).toBe(image);
  });

  test("covers every supported minor (1.31 up to 1.35)", () => {
    expect(Object.keys(PAUSE_IMAGE_TAGS)).toEqual(["1.31", "1.32", "1.33", "1.34", "1.35"]);
  });

  test.each([
    ["v1.34.2", 'containerd config: kubernetesVersion must look like 1.34.2 (no leading v), got "v1.34.2"'],
    ["1.36.0", "containerd config: no pause image known for Kubernetes 1.36 (known: 1.31, 1.32, 1.33, 1.34, 1.35)"],
  ])("refuses %s", (version, message) => {
    expect(() => pauseImage(version)).toThrow(new Error(message));
  });
});

describe("renderContainerdConfig", () => {
  test("writes the exact version-2 configuration for Kubernetes 1.34", () => {
    expect(renderContainerdConfig({ kubernetesVersion: "1.34.2" })).toBe(
      [
        "# Written by pulumi-k8s-ha: containerd for kubelet (CRI). Settings not listed keep containerd's defaults.",
        "version = 2",
        "",
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  sandbox_image = "registry.k8s.io/pause:3.10.1"',
        "",
        '[plugins."io.containerd.grpc.v1.cri".containerd]',
        '  default_runtime_name = "runc"',
        "",
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '  runtime_type = "io.containerd.runc.v2"',
        "",
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
        "  SystemdCgroup = true",
        "",
        '[plugins."io.containerd.grpc.v1.cri".cni]',
        '  bin_dir = "/opt/cni/bin"',
        '  conf_dir = "/etc/cni/net.d"',
        "",
      ].join("\n"),
    );
  });

  test.each<[string, ContainerdConfigOptions, string, string]>([
    ["1.33", { kubernetesVersion: "1.33.6" }, '  sandbox_image = "registry.k8s.io/pause:3.10"', "  SystemdCgroup = true"],
    ["a mirror's pause image", { sandboxImage: "mirror.example.com/k8s/pause:3.10.1" }, '  sandbox_image = "mirror.example.com/k8s/pause:3.10.1"', "  SystemdCgroup = true"],
    ["cgroupfs", { kubernetesVersion: "1.34.2", systemdCgroup: false }, '  sandbox_image = "registry.k8s.io/pause:3.10.1"', "  SystemdCgroup = false"],
  ])("%s", (_label, options, sandboxLine, cgroupLine) => {
    const lines = renderContainerdConfig(options).split("\n");
    expect(lines.filter((l) => l.includes("sandbox_image"))).toEqual([sandboxLine]);
    expect(lines.filter((l) => l.includes("SystemdCgroup"))).toEqual([cgroupLine]);
  });

  test.each<[ContainerdConfigOptions, string[]]>([
    [{ kubernetesVersion: "1.34.2" }, []],
    [{ kubernetesVersion: "1.34.2", restrictOomScoreAdj: false }, []],
    [{ kubernetesVersion: "1.34.2", restrictOomScoreAdj: true }, ["  restrict_oom_score_adj = true"]],
  ])("restrict_oom_score_adj for %p (containerd without CAP_SYS_RESOURCE)", (options, expected) => {
    const lines = renderContainerdConfig(options).split("\n");
    expect(lines.filter((l) => l.includes("restrict_oom_score_adj"))).toEqual(expected);
    if (expected.length > 0) expect(lines[lines.indexOf(expected[0]) - 1]).toBe('  sandbox_image = "registry.k8s.io/pause:3.10.1"');
  });

  test.each<[ContainerdConfigOptions, string]>([
    [{}, "containerd config: give kubernetesVersion or sandboxImage"],
    [{ sandboxImage: 'pause"\nx = 1' }, 'containerd config: sandboxImage must be an image reference, got "pause\\"\\nx = 1"'],
  ])("refuses %p", (options, message) => {
    expect(() => renderContainerdConfig(options)).toThrow(new Error(message));
  });

  test("is exported from the bootstrap index (the test bed configures its hosts with it)", () => {
    expect(bootstrap.renderContainerdConfig).toBe(renderContainerdConfig);
  });

  test("containerd itself reads it: `containerd config dump` shows the settings merged into its defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), "containerd-config-"));
    try {
      const file = join(dir, "config.toml");
      writeFileSync(file, renderContainerdConfig({ kubernetesVersion: "1.34.2" }));
      const result = spawnSync("containerd", ["--config", file, "config", "dump"], { encoding: "utf8", timeout: 20_000 });
      if (result.error) throw new Error(`containerd could not run (Debian package containerd): ${result.error.message}`);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const dump = result.stdout.split("\n").map((l) => l.trim());
      expect(dump).toEqual(
        expect.arrayContaining([
          'sandbox_image = "registry.k8s.io/pause:3.10.1"',
          'default_runtime_name = "runc"',
          'runtime_type = "io.containerd.runc.v2"',
          "SystemdCgroup = true",
          'bin_dir = "/opt/cni/bin"',
          'conf_dir = "/etc/cni/net.d"',
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
