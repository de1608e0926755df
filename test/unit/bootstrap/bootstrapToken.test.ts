import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BOOTSTRAP_TOKEN_TTL_HOURS,
  bootstrapTokenRefreshScript,
  ENSURE_JOIN_TOKEN,
  kubeadmJoinScript,
  REFRESH_BOOTSTRAP_TOKEN,
  refreshBootstrapTokenFunction,
  workerTokenRefreshScript,
} from "../../../src/bootstrap/scripts";
import { sandboxed, withParameters } from "../support/stepSandbox";

const TOKEN = "abcdef.0123456789abcdef";

/**
 * Runs the token functions and steps for real: openssl signs with a real test CA; kubectl and kubeadm are stand-ins
 * that record what they were given (kubectl keeps a copy of the kubeconfig and client certificate it was pointed at).
 */
describe("bootstrap token refresh, run for real", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => path.join(root, name);
  const read = (name: string) => fs.readFileSync(file(name), "utf8");

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-token-"));
    fs.mkdirSync(file("bin"));
    fs.mkdirSync(file("pki"));
    fs.writeFileSync(
      file("bin/kubectl"),
      `#!/bin/bash
printf '%s\\n' "$*" >> "${root}/kubectl.args"
cat > "${root}/kubectl.stdin"
kubeconfig=""
while [ $# -gt 0 ]; do [ "$1" = --kubeconfig ] && kubeconfig="$2"; shift; done
cp "$kubeconfig" "${root}/kubeconfig.seen"
crt="$(sed -n 's/^ *client-certificate: //p' "$kubeconfig")"
if [ -n "$crt" ]; then cp "$crt" "${root}/client.crt.seen"; dirname "$crt" > "${root}/tmpdir.seen"; fi
if [ -f "${root}/kubectl.fail" ]; then echo "error: Unauthorized" >&2; exit 1; fi
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      file("bin/kubeadm"),
      `#!/bin/bash
echo "kubeadm $*" >> "${root}/kubeadm.calls"
if [ "$1" = join ]; then
  echo "[discovery] Trying to connect to API Server lb.example.com:6443 with token ${TOKEN}"
  echo 'error execution phase preflight: couldn'"'"'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"'
  exit 1
fi
`,
      { mode: 0o755 },
    );
    const ssl = (args: string[]) => expect(spawnSync("openssl", args, { encoding: "utf8" }).status).toBe(0);
    ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("pki/ca.key"), "-subj", "/CN=kubernetes", "-days", "2", "-out", file("pki/ca.crt")]);
    fs.writeFileSync(
      file("kubeadm-join.yaml"),
      `apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: lb.example.com:6443\n    token: ${TOKEN}\n    caCertHashes:\n      - sha256:${"a".repeat(64)}\n`,
    );
    env = { ...process.env, PATH: `${file("bin")}:${process.env.PATH}` };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const bash = (script: string, input = "") => spawnSync("bash", ["-c", script], { encoding: "utf8", input, env, timeout: 30_000 });
  const ensure = () =>
    bash(
      `set -euo pipefail\nCONFIG_FILE='${file("kubeadm-join.yaml")}' CA_CERT='${file("pki/ca.crt")}' CA_KEY='${file("pki/ca.key")}'\n` +
        `${REFRESH_BOOTSTRAP_TOKEN}\n${ENSURE_JOIN_TOKEN}\nensure_join_token\necho "after: $?"`,
    );

  test("refresh_bootstrap_token applies the token's Secret on standard input, valid 24 hours from now", () => {
    const before = Date.now();
    fs.writeFileSync(file("admin.conf"), "apiVersion: v1\nkind: Config\n");
    const result = bash(`set -euo pipefail\n${REFRESH_BOOTSTRAP_TOKEN}\nrefresh_bootstrap_token ${file("admin.conf")} ${TOKEN}`);
    expect(result.status).toBe(0);
    expect(read("kubectl.args")).toBe(
      `--kubeconfig ${file("admin.conf")} --request-timeout=20s apply --server-side --force-conflicts --field-manager=pulumi-k8s-ha -f -\n`,
    );
    const manifest = read("kubectl.stdin");
    const data = Object.fromEntries(
      [...manifest.matchAll(/^  ([a-z-]+): (\S+)$/gm)].filter(([, key]) => key !== "namespace" && key !== "name").map(([, key, value]) => [key, Buffer.from(value, "base64").toString()]),
    );
    expect(manifest).toContain("kind: Secret\nmetadata:\n  name: bootstrap-token-abcdef\n  namespace: kube-system\ntype: bootstrap.kubernetes.io/token\ndata:\n");
    expect({ ...data, expiration: undefined }).toEqual({
      "token-id": "abcdef",
      "token-secret": "0123456789abcdef",
      expiration: undefined,
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
      description: "pulumi-k8s-ha control-plane joins",
    });
    const expires = Date.parse(data.expiration);
    expect(expires).toBeGreaterThanOrEqual(before + BOOTSTRAP_TOKEN_TTL_HOURS * 3600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + BOOTSTRAP_TOKEN_TTL_HOURS * 3600_000 + 2000);
  });

  test("ensure_join_token signs a one-day kubeadm:cluster-admins client certificate with the placed CA, refreshes the token, deletes the key", () => {
    const result = ensure();
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("bootstrap token valid for 24 hours\nafter: 0\n");
    expect(read("kubeconfig.seen")).toContain(`    server: https://lb.example.com:6443\n    certificate-authority: ${file("pki/ca.crt")}\n`);
    expect(read("kubectl.stdin")).toContain("  name: bootstrap-token-abcdef\n");
    const verify = spawnSync("openssl", ["verify", "-CAfile", file("pki/ca.crt"), file("client.crt.seen")], { encoding: "utf8" });
    expect(verify.stdout).toBe(`${file("client.crt.seen")}: OK\n`);
    const text = spawnSync("openssl", ["x509", "-in", file("client.crt.seen"), "-noout", "-subject", "-ext", "extendedKeyUsage", "-enddate"], { encoding: "utf8" }).stdout;
    expect(text).toMatch(/^subject=O ?= ?kubeadm:cluster-admins, CN ?= ?pulumi-k8s-ha:join:/m);
    expect(text).toContain("TLS Web Client Authentication");
    const notAfter = Date.parse(text.match(/notAfter=(.*)/)![1]);
    expect(notAfter - Date.now()).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    expect(fs.existsSync(read("tmpdir.seen").trim())).toBe(false);
  });

  test("ensure_join_token reports a refused refresh and leaves the join to try the token as it is", () => {
    fs.writeFileSync(file("kubectl.fail"), "");
    const result = ensure();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("after: 0\n");
    expect(result.stderr).toBe("bootstrap token not refreshed (kubeadm join tries it as it is): error: Unauthorized\n");
    expect(fs.existsSync(read("tmpdir.seen").trim())).toBe(false);
  });

  test("ensure_join_token without the placed CA key says so and changes nothing", () => {
    fs.rmSync(file("pki/ca.key"));
    const result = ensure();
    expect(result.stdout).toBe("after: 0\n");
    expect(result.stderr).toBe(`bootstrap token not refreshed: ${file("pki/ca.key")}, or the endpoint or token of ${file("kubeadm-join.yaml")}, is missing\n`);
    expect(fs.existsSync(file("kubectl.args"))).toBe(false);
  });

  test("the join step refreshes the token before kubeadm join, and names the token when discovery fails on it", () => {
    // Every other path of the step (kubeadm's files, the step records) moves under the temporary root too.
    const script = sandboxed(kubeadmJoinScript(), root, {
      LOG_DIR: file("log"),
      CONFIG_FILE: file("kubeadm-join.yaml"),
      CA_CERT: file("pki/ca.crt"),
      CA_KEY: file("pki/ca.key"),
    });
    const result = bash(script);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("bootstrap token valid for 24 hours\n");
    expect(result.stderr).toContain("could not find a JWS signature in the cluster-info ConfigMap for token ID");
    expect(result.stderr).toContain("discovery failed on the bootstrap token (expired or deleted): bootstrap tokens expire 24 hours after they were last refreshed.");
    expect(result.stderr).not.toContain(TOKEN);
    expect(read("kubeadm.calls").split("\n")[0]).toBe(`kubeadm join --config ${file("kubeadm-join.yaml")}`);
  });

  test.each([
    [`${TOKEN}\n`, 0, "bootstrap token valid for 24 hours\n", ""],
    ["not-a-token\n", 1, "", "not a bootstrap token\nno valid bootstrap token on standard input, or the API refused it\n"],
  ])("the token-refresh step with %j on standard input", (input, status, stdout, stderr) => {
    fs.writeFileSync(file("admin.conf"), "apiVersion: v1\nkind: Config\n");
    const result = bash(withParameters(bootstrapTokenRefreshScript(), { ADMIN_CONF: file("admin.conf") }), input);
    expect([result.status, result.stdout, result.stderr]).toEqual([status, stdout, stderr]);
  });
  const appliedSecret = () => {
    const manifest = read("kubectl.stdin");
    return Object.fromEntries(
      [...manifest.matchAll(/^  ([a-z-]+): (\S+)$/gm)].filter(([, key]) => key !== "namespace" && key !== "name").map(([, key, value]) => [key, Buffer.from(value, "base64").toString()]),
    );
  };

  test.each([
    [undefined, 24],
    [168, 168],
  ])("the workers' token step (TTL %p) applies a token of its own description, groups and usages, valid %d hours", (ttl, hours) => {
    fs.writeFileSync(file("admin.conf"), "apiVersion: v1\nkind: Config\n");
    const before = Date.now();
    const result = bash(withParameters(workerTokenRefreshScript(ttl), { ADMIN_CONF: file("admin.conf") }), "k3x9zq.5m2n8p4r6t1v3w7y\n");
    expect([result.status, result.stdout, result.stderr]).toEqual([0, `bootstrap token valid for ${hours} hours\n`, ""]);
    expect(read("kubectl.args")).toBe(
      `--kubeconfig ${file("admin.conf")} --request-timeout=20s apply --server-side --force-conflicts --field-manager=pulumi-k8s-ha -f -\n`,
    );
    expect(read("kubectl.stdin")).toContain("name: bootstrap-token-k3x9zq\n");
    const data = appliedSecret();
    expect({ ...data, expiration: undefined }).toEqual({
      "token-id": "k3x9zq",
      "token-secret": "5m2n8p4r6t1v3w7y",
      expiration: undefined,
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
      description: "pulumi-k8s-ha worker joins",
    });
    const expires = Date.parse(data.expiration);
    expect(expires).toBeGreaterThanOrEqual(before + hours * 3600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + hours * 3600_000 + 2000);
  });

  test("the workers' token step refuses what is not a bootstrap token, and says so without echoing it", () => {
    fs.writeFileSync(file("admin.conf"), "apiVersion: v1\nkind: Config\n");
    const result = bash(withParameters(workerTokenRefreshScript(), { ADMIN_CONF: file("admin.conf") }), "NOT.A-TOKEN-xyz\n");
    expect([result.status, result.stdout, result.stderr]).toEqual([1, "", "not a bootstrap token\nno valid bootstrap token on standard input, or the API refused it\n"]);
    expect(fs.existsSync(file("kubectl.args"))).toBe(false);
  });
});

describe("bootstrap token purposes", () => {
  test("the control planes' function is the default purpose; the workers' differs only in TTL and description", () => {
    expect(refreshBootstrapTokenFunction()).toBe(REFRESH_BOOTSTRAP_TOKEN);
    const worker = refreshBootstrapTokenFunction({ ttlHours: 48, description: "pulumi-k8s-ha worker joins" });
    expect(worker).toBe(REFRESH_BOOTSTRAP_TOKEN.replace("+24 hours", "+48 hours").replace("pulumi-k8s-ha control-plane joins", "pulumi-k8s-ha worker joins"));
  });

  test.each([
    [{ ttlHours: 0 }, /TTL must be a whole number of hours >= 1, got 0/],
    [{ ttlHours: 1.5 }, /got 1.5/],
    [{ description: 'x"; rm -rf /' }, /has characters other than/],
  ])("refuses %j", (purpose, message) => {
    expect(() => refreshBootstrapTokenFunction(purpose)).toThrow(message);
  });
});
