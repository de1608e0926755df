import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { APT_LOCK_TIMEOUT_SECONDS, aptFunctions } from "../../../src/bootstrap/apt";
import { PREPARE_NODE_SCRIPT, renderNodeCloudInit, renderNodePreparation } from "../../../src/bootstrap/cloudInit";
import { prepareHostScript } from "../../../src/bootstrap/scripts";

/** Every script the library runs that may call apt. */
const scripts: Record<string, string> = {
  "control-plane preparation": renderNodePreparation({ role: "control-plane", kubernetesVersion: "1.34.2" }).files.find((f) => f.path === PREPARE_NODE_SCRIPT)!.content,
  "etcd preparation": renderNodePreparation({ role: "etcd", kubernetesVersion: "1.34.2" }).files.find((f) => f.path === PREPARE_NODE_SCRIPT)!.content,
  "load-balancer host preparation": prepareHostScript({ packages: ["haproxy", "keepalived"], files: [] }),
  "node host preparation": prepareHostScript({ ...renderNodePreparation({ role: "etcd", kubernetesVersion: "1.34.2" }), run: PREPARE_NODE_SCRIPT }),
};

describe("apt waits for the dpkg lock everywhere", () => {
  test("the bound is 600 s", () => {
    expect(APT_LOCK_TIMEOUT_SECONDS).toBe(600);
  });

  test.each(Object.entries(scripts))("every apt-get and apt-mark of the %s waits for the lock", (_name, script) => {
    const calls = script
      .split("\n")
      .filter((line) => !line.trim().startsWith("#") && !line.trim().startsWith("echo "))
      .flatMap((line) => line.match(/\bapt-(get|mark)\b.*/g) ?? []);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call).toMatch(/^apt-(get|mark) -o DPkg::Lock::Timeout=600 /);
    }
  });

  test.each(["control-plane", "etcd"] as const)("the %s cloud-init leaves packages to the script (cloud-init waits only 30 s)", (role) => {
    const text = renderNodeCloudInit({ role, kubernetesVersion: "1.34.2" });
    expect(text).not.toMatch(/^packages:|^package_update:/m);
  });

  test.each([
    [{ lockTimeoutSeconds: 0 }, "apt: lockTimeoutSeconds must be a positive whole number and retryIntervalSeconds >= 0, got 0 and 10"],
    [{ retryIntervalSeconds: -1 }, "apt: lockTimeoutSeconds must be a positive whole number and retryIntervalSeconds >= 0, got 600 and -1"],
  ])("refuses %p", (options, message) => {
    expect(() => aptFunctions(options)).toThrow(new Error(message));
  });
});

/** The functions run for real, with an apt-get stand-in that records its arguments and fails a given number of times. */
describe("apt functions, run for real", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-apt-"));
    fs.mkdirSync(path.join(root, "bin"));
    for (const program of ["apt-get", "apt-mark"]) {
      fs.writeFileSync(
        path.join(root, "bin", program),
        `#!/bin/bash
echo "${program} $* DEBIAN_FRONTEND=\${DEBIAN_FRONTEND:-}" >> "${root}/calls"
failures="$(cat "${root}/failures" 2>/dev/null || echo 0)"
if [ "$failures" -gt 0 ]; then echo $((failures - 1)) > "${root}/failures"; echo "E: Could not get lock /var/lib/apt/lists/lock" >&2; exit 100; fi
`,
        { mode: 0o755 },
      );
    }
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function run(body: string, failures: number, options = { lockTimeoutSeconds: 2, retryIntervalSeconds: 0.2 }) {
    fs.writeFileSync(path.join(root, "failures"), String(failures));
    const result = spawnSync("bash", ["-c", `set -euo pipefail\n${aptFunctions(options)}\n${body}\necho done`], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, DEBIAN_FRONTEND: "", PATH: `${path.join(root, "bin")}:${process.env.PATH}` },
    });
    const calls = fs.existsSync(path.join(root, "calls")) ? fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n") : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }

  test("apt_update rides out a held package-lists lock", () => {
    const result = run("apt_update", 2);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("done\n");
    expect(result.calls).toEqual(Array(3).fill("apt-get -o DPkg::Lock::Timeout=2 -q update DEBIAN_FRONTEND="));
  });

  test("apt_update gives up after its bound", () => {
    const result = run("apt_update", 1000);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/apt-get update kept failing for 2 s\n$/);
    expect(result.calls.length).toBeGreaterThan(3);
  });

  test("apt_install and apt_mark_hold pass the lock timeout, never prompt and keep existing configuration files", () => {
    const result = run("apt_install --allow-change-held-packages 'kubeadm=1.34.2-*' jq\napt_mark_hold kubeadm", 0);
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      "apt-get -o DPkg::Lock::Timeout=2 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -q -y install --allow-change-held-packages kubeadm=1.34.2-* jq DEBIAN_FRONTEND=noninteractive",
      "apt-mark -o DPkg::Lock::Timeout=2 hold kubeadm DEBIAN_FRONTEND=",
    ]);
  });
});
