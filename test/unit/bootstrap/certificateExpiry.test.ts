/**
 * The certificate expiry report of a control plane: shellcheck, then the script run for real on a scratch copy of
 * kubeadm's layout with certificates made by openssl (different lifetimes), its paths moved under the scratch root.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { asRootCommand, certificateExpiryScript } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

test("passes shellcheck -S warning, also wrapped to run as root", () => {
  const script = certificateExpiryScript("cp-0");
  expect(shellcheck(script)).toEqual({ status: 0, output: "" });
  expect(shellcheck(`#!/bin/sh\n${asRootCommand(script)}`)).toEqual({ status: 0, output: "" });
});

describe("run on kubeadm's layout", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-cert-expiry-"));
    const pki = path.join(root, "etc/kubernetes/pki");
    fs.mkdirSync(path.join(pki, "etcd"), { recursive: true });
    const make = (file: string, days: number) => {
      const result = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null", "-out", file, "-days", String(days), "-subj", `/CN=${path.basename(file)}`],
        { encoding: "utf8" },
      );
      if (result.status !== 0) throw new Error(`openssl: ${result.stderr}`);
    };
    make(path.join(pki, "ca.crt"), 3650);
    make(path.join(pki, "front-proxy-ca.crt"), 3650);
    make(path.join(pki, "etcd/ca.crt"), 1000);
    make(path.join(pki, "apiserver.crt"), 365);
    make(path.join(pki, "apiserver-kubelet-client.crt"), 365);
    make(path.join(pki, "etcd/peer.crt"), 20);
    const admin = path.join(root, "admin.crt");
    make(admin, 200);
    fs.writeFileSync(
      path.join(root, "etc/kubernetes/admin.conf"),
      `apiVersion: v1\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${fs.readFileSync(admin).toString("base64")}\n    client-key-data: c2VjcmV0\n`,
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("the earliest leaf (wherever it is), the earliest CA and admin.conf's client certificate, with days left", () => {
    const result = spawnSync("bash", ["-c", sandboxed(certificateExpiryScript("cp-1"), root)], { encoding: "utf8", timeout: 20_000 });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim());
    expect(report).toMatchObject({ node: "cp-1", earliestLeaf: { file: "etcd/peer.crt" }, ca: { file: "etcd/ca.crt" }, adminKubeconfig: { file: "admin.conf" } });
    // whole days left, rounded down (the certificates were made within the last seconds: 19 or 20 for 20 days)
    const days = [report.earliestLeaf.daysLeft, report.ca.daysLeft, report.adminKubeconfig.daysLeft];
    days.forEach((d: number, i: number) => expect([[19, 20], [999, 1000], [199, 200]][i]).toContain(d));
    expect(report.earliestLeaf.notAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(report.earliestLeaf.notAfter) - Date.now()).toBeGreaterThan(19 * 86_400_000);
  });

  test("a machine without kubeadm's files reports nulls and does not fail", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-cert-expiry-empty-"));
    try {
      const result = spawnSync("bash", ["-c", sandboxed(certificateExpiryScript("cp-2"), empty)], { encoding: "utf8", timeout: 20_000 });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout.trim())).toMatchObject({ node: "cp-2", earliestLeaf: null, ca: null, adminKubeconfig: null });
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
