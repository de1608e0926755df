import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFileBundle } from "../../../src/bootstrap/fileBundle";
import {
  asRootCommand,
  controlPlaneNodeMembershipScript,
  bootstrapTokenRefreshScript,
  workerTokenRefreshScript,
  etcdMembershipScript,
  cniInstallScript,
  etcdStartScript,
  etcdStopScript,
  fetchKubeconfigScript,
  kubeadmInitScript,
  kubernetesUpgradeScript,
  certificateRenewalScript,
  kubeadmJoinScript,
  kubeadmResetScript,
  placeFilesScript,
  quorumGateScript,
  shellQuote,
  waitReadyScript,
} from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

const gateOptions = {
  members: [
    { name: "etcd-0", endpoint: "https://10.0.1.10:2379" },
    { name: "etcd-1", endpoint: "https://10.0.2.10:2379" },
    { name: "etcd-2", endpoint: "https://10.0.3.10:2379" },
  ],
  minHealthy: 3,
  caFile: "/etc/etcd/pki/ca.crt",
  certFile: "/etc/etcd/pki/server.crt",
  keyFile: "/etc/etcd/pki/server.key",
  timeoutSeconds: 60,
  intervalSeconds: 2,
};

const scripts: Record<string, string> = {
  waitReady: waitReadyScript({ timeoutSeconds: 600 }),
  placeFiles: placeFilesScript({ allowedDirectories: ["/etc/kubernetes", "/etc/etcd"] }),
  etcdStart: etcdStartScript(),
  etcdStartJoining: etcdStartScript({ joinRunningCluster: true, joinTimeoutSeconds: 60 }),
  etcdStop: etcdStopScript(),
  quorumGate: quorumGateScript(gateOptions),
  quorumGateWithApi: quorumGateScript({
    ...gateOptions,
    readyzUrl: "https://lb.example.com:6443/readyz",
    expectedReadyNodes: 3,
  }),
  kubeadmInit: kubeadmInitScript({ existingClusterUrl: "https://lb.example.com:6443/healthz" }),
  kubeadmJoin: kubeadmJoinScript({ ignorePreflightErrors: ["NumCPU"] }),
  kubeadmReset: kubeadmResetScript(),
  bootstrapTokenRefresh: bootstrapTokenRefreshScript(),
  workerTokenRefresh: workerTokenRefreshScript(),
  workerTokenRefreshOneWeek: workerTokenRefreshScript(168),
  etcdMembership: etcdMembershipScript({
    desiredMembers: ["cp-0", "cp-1", "cp-2"],
    endpoints: gateOptions.members.map((m) => m.endpoint),
    caFile: gateOptions.caFile,
    certFile: gateOptions.certFile,
    keyFile: gateOptions.keyFile,
    kubeconfigFile: "/etc/kubernetes/admin.conf",
    timeoutSeconds: 60,
  }),
  quorumGateBetweenJoins: quorumGateScript({ ...gateOptions, exactMemberCount: false }),
  cniInstall: cniInstallScript({ manifestUrl: "https://example.com/cni.yaml", timeoutSeconds: 300 }),
  fetchKubeconfig: fetchKubeconfigScript(),
  controlPlaneNodeMembership: controlPlaneNodeMembershipScript({ desiredNodes: ["cp-0", "cp-1", "cp-2"], kubeconfigFile: "/etc/kubernetes/admin.conf" }),
  kubernetesUpgradeFirst: kubernetesUpgradeScript({ kubernetesVersion: "1.34.2", nodeName: "cp-0", first: true, aptRepository: "https://pkgs.k8s.io/core:/stable:/v1.34/deb/", ignorePreflightErrors: ["NumCPU"], waitReady: true, timeoutSeconds: 600 }),
  kubernetesUpgradeOther: kubernetesUpgradeScript({ kubernetesVersion: "1.34.2", nodeName: "cp-1", first: false, aptRepository: "", waitReady: false, timeoutSeconds: 600 }),
  certificateRenewalStacked: certificateRenewalScript({ nodeName: "cp-0", first: true, renewWithinDays: 30, kubeadmConfig: "kind: ClusterConfiguration\n", stackedEtcd: true, apiServerPort: 6443, preflightGateScript: "exit 0", timeoutSeconds: 600 }),
  certificateRenewalExternal: certificateRenewalScript({ nodeName: "cp-1", first: false, renewWithinDays: 7, kubeadmConfig: "", stackedEtcd: false, apiServerPort: 443, timeoutSeconds: 60 }),
  quorumGateWithVersions: quorumGateScript({ ...gateOptions, expectedReadyNodes: 3, nodesAtVersion: ["cp-0", "cp-1"], kubeletVersion: "v1.34.2" }),
};

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

describe("bootstrap step scripts", () => {
  test.each(Object.entries(scripts))("%s passes shellcheck -S warning", (_name, script) => {
    expect(shellcheck(script)).toEqual({ status: 0, output: "" });
  });

  test.each(Object.entries(scripts))("%s wrapped to run as root passes shellcheck", (_name, script) => {
    expect(shellcheck(`#!/bin/sh\n${asRootCommand(script)}`)).toEqual({ status: 0, output: "" });
  });

  test.each(Object.entries(scripts))("%s starts in strict mode and has no unexpanded placeholder", (_name, script) => {
    expect(script.split("\n").slice(0, 3)).toEqual([
      "#!/usr/bin/env bash",
      expect.stringMatching(/^# pulumi-k8s-ha: /),
      "set -euo pipefail",
    ]);
    expect(script).not.toContain("@{");
    expect(script).not.toContain("undefined");
  });

  test.each(["etcdStart", "etcdStartJoining", "etcdStop", "quorumGate", "quorumGateWithApi", "etcdMembership"])(
    "%s calls etcd and etcdctl only at the pinned release's path",
    (name) => {
      const script = scripts[name];
      const code = script.split("\n").filter((line) => !line.trim().startsWith("#")).join("\n");
      expect(code).not.toMatch(/(^|[\s;|&(])etcdctl\s/m);
      expect(code).not.toMatch(/(^|[\s;|&(])etcd\s+--/m);
      expect(script).not.toContain("ETCDCTL_API");
      if (name !== "etcdStop") {
        expect(script).toMatch(name.startsWith("etcdStart") ? /readonly ETCD='\/usr\/local\/bin\/etcd'/ : /\/usr\/local\/bin\/etcdctl --endpoints=/);
      }
    },
  );

  test("shellQuote survives quotes, spaces and dollar signs", () => {
    const value = `it's $HOME "x" \`y\``;
    expect(execFileSync("bash", ["-c", `printf %s ${shellQuote(value)}`], { encoding: "utf8" })).toBe(value);
  });

  test("kubeadm steps are guarded so that a re-run never re-initialises (completion record and kubeadm's files)", () => {
    expect(scripts.kubeadmInit).toMatch(/if \[ -f "\$DONE_MARKER" \] && \[ -f "\$ADMIN_CONF" \]; then\n[^\n]*already initialised[^\n]*\n  exit 0\nfi\n[\s\S]*kubeadm init --config/);
    expect(scripts.kubeadmJoin).toMatch(/if \[ -f "\$DONE_MARKER" \] && \[ -f "\$KUBELET_CONF" \] && \[ -f "\$APISERVER_MANIFEST" \]; then\n[^\n]*already joined[^\n]*\n  exit 0/);
    expect(scripts.kubeadmJoin).toContain("--ignore-preflight-errors=NumCPU");
  });

  test("kubeadm init is refused when the endpoint already serves the cluster (a replaced first machine)", () => {
    expect(scripts.kubeadmInit).toContain("readonly EXISTING_CLUSTER_URL='https://lb.example.com:6443/healthz'");
    const guard = scripts.kubeadmInit.indexOf("refusing kubeadm init");
    expect(guard).toBeGreaterThan(scripts.kubeadmInit.indexOf('if [ -f "$DONE_MARKER" ] && [ -f "$ADMIN_CONF" ]'));
    expect(guard).toBeLessThan(scripts.kubeadmInit.indexOf("kubeadm init --config"));
  });

  test("kubeadm init, run for real up to kubeadm itself: no admin.conf, nothing listening, config missing -> clear error", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-init-"));
    try {
      const script = sandboxed(kubeadmInitScript({ existingClusterUrl: "https://127.0.0.1:1/healthz" }), root);
      const result = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 20_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${root}/etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml missing: the place-files step did not run`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test("quorum gate refuses members whose names would break the script", () => {
    expect(() => quorumGateScript({ ...gateOptions, members: [{ name: "a b", endpoint: "https://x:2379" }] })).toThrow(
      /unusable name or endpoint/,
    );
    expect(() => quorumGateScript({ ...gateOptions, members: [] })).toThrow(/at least one member/);
  });
});

describe("place-files step, run for real in a temporary directory", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-place-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function place(bundle: string) {
    const script = placeFilesScript({ allowedDirectories: [path.join(root, "etc")] });
    return spawnSync("bash", ["-c", script], { input: bundle, encoding: "utf8" });
  }

  test("writes files with their modes, then reports them unchanged on a re-run", () => {
    const bundle = renderFileBundle([
      { path: path.join(root, "etc/pki/ca.key"), mode: "0600", content: "-----BEGIN KEY-----\nsecret\n" },
      { path: path.join(root, "etc/pki/ca.crt"), mode: "0644", content: "certificate\n" },
    ]);
    const first = place(bundle);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("2 file(s) written, 0 unchanged");
    expect(first.stdout).not.toContain("secret");
    expect(fs.readFileSync(path.join(root, "etc/pki/ca.key"), "utf8")).toBe("-----BEGIN KEY-----\nsecret\n");
    expect(fs.statSync(path.join(root, "etc/pki/ca.key")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(root, "etc/pki/ca.crt")).mode & 0o777).toBe(0o644);

    const second = place(bundle);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("0 file(s) written, 2 unchanged");
  });

  test("refuses a path outside the allowed directories and writes nothing there", () => {
    const outside = path.join(root, "elsewhere/x");
    const result = place(`0644 ${outside} ${Buffer.from("x").toString("base64")}\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`refusing ${outside}`);
    expect(fs.existsSync(outside)).toBe(false);
  });

  test("refuses a bad mode and parent-directory tricks", () => {
    const inside = path.join(root, "etc/x");
    expect(place(`4755 ${inside} eA==\n`).stderr).toContain("refusing mode 4755");
    expect(place(`0644 ${root}/etc/../x eA==\n`).stderr).toContain("refusing path");
  });

  test("renderFileBundle rejects relative paths, odd modes and duplicates", () => {
    expect(() => renderFileBundle([{ path: "etc/x", mode: "0644", content: "" }])).toThrow(/absolute/);
    expect(() => renderFileBundle([{ path: "/etc/x", mode: "644", content: "" }])).toThrow(/mode/);
    expect(() =>
      renderFileBundle([
        { path: "/etc/x", mode: "0644", content: "" },
        { path: "/etc/x", mode: "0644", content: "" },
      ]),
    ).toThrow(/twice/);
  });
});

describe("wait-ready step", () => {
  test("fails within its bound, naming the missing marker", () => {
    const result = spawnSync("bash", ["-c", waitReadyScript({ timeoutSeconds: 1 }).replace("/var/lib/pulumi-k8s-ha/node-prepared", "/nonexistent/marker")], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not prepared after 1s: \/nonexistent\/marker missing/);
  });
});
