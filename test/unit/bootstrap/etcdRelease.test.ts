import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ETCD_RELEASE_SHA256,
  ETCD_VERSION,
  EtcdInstallOptions,
  etcdInstallFunction,
  etcdReleaseUrl,
} from "../../../src/bootstrap/etcdRelease";
import { paths } from "../../../src/bootstrap/paths";

function shellcheck(script: string): string {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run: ${result.error.message}`);
  return `${result.status}${result.stdout}${result.stderr}`;
}

describe("pinned etcd release", () => {
  test("the default is the release kubeadm 1.34 uses, with both architectures pinned", () => {
    expect(ETCD_VERSION).toBe("v3.6.5");
    expect(ETCD_RELEASE_SHA256[ETCD_VERSION]).toEqual({
      amd64: "66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3",
      arm64: "7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b",
    });
  });

  test.each([
    ["amd64", "https://github.com/etcd-io/etcd/releases/download/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz"],
    ["arm64", "https://github.com/etcd-io/etcd/releases/download/v3.6.5/etcd-v3.6.5-linux-arm64.tar.gz"],
  ] as const)("release URL for %s", (arch, url) => {
    expect(etcdReleaseUrl("v3.6.5", arch)).toBe(url);
  });

  test("every program lands in one directory, the one the unit and the scripts use", () => {
    expect([paths.etcdBinary, paths.etcdctlBinary, paths.etcdutlBinary]).toEqual([
      "/usr/local/bin/etcd",
      "/usr/local/bin/etcdctl",
      "/usr/local/bin/etcdutl",
    ]);
    const fn = etcdInstallFunction();
    expect(fn).toContain("local version='v3.6.5' bin_dir='/usr/local/bin' base_url='https://github.com/etcd-io/etcd/releases/download'");
    expect(fn).toContain("x86_64 | amd64) arch=amd64 sha256='66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3' ;;");
    expect(fn).toContain("aarch64 | arm64) arch=arm64 sha256='7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b' ;;");
    expect(fn).toContain("curl -fsSL --retry 5 --retry-delay 5 --retry-all-errors --connect-timeout 20");
    expect(shellcheck(`#!/usr/bin/env bash\nset -euo pipefail\n${fn}\ninstall_etcd\n`)).toBe("0");
  });

  test.each<[string, EtcdInstallOptions, string]>([
    [
      "unpinned version",
      { version: "v3.5.24" },
      "etcd install: no pinned SHA-256 for etcd v3.5.24 (known: v3.6.5); add the release's published sums to ETCD_RELEASE_SHA256 or pass sha256",
    ],
    ["version without v", { version: "3.6.5" }, 'etcd install: version must look like v3.6.5, got "3.6.5"'],
    ["short checksum", { sha256: { amd64: "abc", arm64: "0".repeat(64) } }, 'etcd install: sha256.amd64 must be 64 lower-case hex digits, got "abc"'],
    ["relative directory", { binDir: "bin" }, 'etcd install: binDir must be an absolute plain path, got "bin"'],
    [
      "plain http",
      { downloadBaseUrl: "http://mirror/etcd" },
      'etcd install: downloadBaseUrl must be an https:// or file:// URL without spaces or quotes, got "http://mirror/etcd"',
    ],
  ])("refuses a %s", (_label, options, message) => {
    expect(() => etcdInstallFunction(options)).toThrow(new Error(message));
  });
});

/**
 * Runs `install_etcd` for real against a local "release" (a tarball of stand-in programs that report their version),
 * so download, checksum, unpacking and the idempotent skip are all exercised.
 */
describe("install_etcd, run for real against a local release", () => {
  let root: string;
  let sha: string;
  const arch = os.arch() === "arm64" ? "arm64" : "amd64";

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-etcd-"));
    const stage = path.join(root, "stage", `etcd-v3.6.5-linux-${arch}`);
    fs.mkdirSync(stage, { recursive: true });
    const programs: Record<string, string> = {
      etcd: 'echo "etcd Version: 3.6.5"; echo "Git SHA: test"',
      etcdctl: 'echo "etcdctl version: 3.6.5"; echo "API version: 3.6"',
      etcdutl: 'echo "etcdutl version: 3.6.5"; echo "API version: 3.6"',
    };
    for (const [name, body] of Object.entries(programs)) {
      fs.writeFileSync(path.join(stage, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
    fs.writeFileSync(path.join(stage, "README.md"), "not installed\n");
    const release = path.join(root, "mirror", "v3.6.5");
    fs.mkdirSync(release, { recursive: true });
    const tarball = path.join(release, `etcd-v3.6.5-linux-${arch}.tar.gz`);
    const tar = spawnSync("tar", ["-czf", tarball, "-C", path.join(root, "stage"), `etcd-v3.6.5-linux-${arch}`], { encoding: "utf8" });
    expect(tar.status).toBe(0);
    sha = createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function install(sha256: string) {
    const fn = etcdInstallFunction({
      binDir: path.join(root, "bin"),
      downloadBaseUrl: `file://${path.join(root, "mirror")}`,
      sha256: { amd64: sha256, arm64: sha256 },
    });
    return spawnSync("bash", ["-c", `set -euo pipefail\n${fn}\ninstall_etcd\necho "after: $?"`], { encoding: "utf8", timeout: 30_000 });
  }

  test("installs the three programs, then skips a second run without downloading", () => {
    const first = install(sha);
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe(`etcd v3.6.5 installed in ${root}/bin\nafter: 0\n`);
    expect(fs.readdirSync(path.join(root, "bin")).sort()).toEqual(["etcd", "etcdctl", "etcdutl"]);
    expect(fs.statSync(path.join(root, "bin/etcdctl")).mode & 0o777).toBe(0o755);

    fs.rmSync(path.join(root, "mirror"), { recursive: true });
    const second = install(sha);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(`etcd v3.6.5 already installed in ${root}/bin\nafter: 0\n`);
  });

  test("replaces an older release", () => {
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin/etcd"), '#!/bin/sh\necho "etcd Version: 3.4.23"\n', { mode: 0o755 });
    const result = install(sha);
    expect(result.stdout).toContain("etcd v3.6.5 installed in");
    expect(spawnSync(path.join(root, "bin/etcd"), ["--version"], { encoding: "utf8" }).stdout).toContain("etcd Version: 3.6.5");
  });

  test("a checksum mismatch installs nothing and fails the script", () => {
    const wrong = "0".repeat(64);
    const result = install(wrong);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`etcd-v3.6.5-linux-${arch}.tar.gz: SHA-256 ${sha}, expected ${wrong}; nothing installed\n`);
    expect(fs.existsSync(path.join(root, "bin"))).toBe(false);
  });

  test("a failed download installs nothing and fails the script", () => {
    fs.rmSync(path.join(root, "mirror"), { recursive: true });
    const fn = etcdInstallFunction({
      binDir: path.join(root, "bin"),
      downloadBaseUrl: `file://${path.join(root, "mirror")}`,
      sha256: { amd64: sha, arm64: sha },
    }).replace("--retry 5 --retry-delay 5", "--retry 0 --retry-delay 0");
    const result = spawnSync("bash", ["-c", `set -euo pipefail\n${fn}\ninstall_etcd\necho "after: $?"`], { encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`etcd v3.6.5: download from file://${root}/mirror failed; nothing installed`);
    expect(fs.existsSync(path.join(root, "bin"))).toBe(false);
  });
});
