/**
 * The quorum gate's leader observation: the script text, and its bash/jq run for real on canned
 * `kubectl get leases -o json` output (kubectl and date are stubbed as bash functions).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LEASE_HOLDERS, quorumGateScript, QuorumGateOptions } from "../../../src/bootstrap/scripts/quorumGate";
import { preparedHostname } from "../../../src/bootstrap/scripts/waitReady";
import { parseGateObservation } from "../../../src/cluster/observation";

const etcdGate: QuorumGateOptions = {
  members: [
    { name: "cp-0", endpoint: "https://10.0.1.10:2379" },
    { name: "cp-1", endpoint: "https://10.0.2.10:2379" },
    { name: "cp-2", endpoint: "https://10.0.3.10:2379" },
  ],
  minHealthy: 3,
  caFile: "/etc/kubernetes/pki/etcd/ca.crt",
  certFile: "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
  keyFile: "/etc/kubernetes/pki/etcd/healthcheck-client.key",
  timeoutSeconds: 60,
  intervalSeconds: 2,
};
const apiGate: QuorumGateOptions = { ...etcdGate, readyzUrl: "https://lb.example.com:6443/readyz", expectedReadyNodes: 3 };

/** The gate host's clock in these tests: 2026-11-25T12:00:00Z. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0) / 1000;
const at = (secondsAgo: number, micros = ".123456"): string =>
  new Date((NOW - secondsAgo) * 1000).toISOString().replace(/\.\d{3}Z$/, `${micros}Z`);

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
}
const lease = (name: string, spec: LeaseSpec, namespace = "kube-system") => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name, namespace },
  spec: { acquireTime: at(3600), leaseTransitions: 2, ...spec },
});
const leaseList = (...items: object[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } });
const held = (node: string, secondsAgo = 2, duration = 15): LeaseSpec => ({
  holderIdentity: `${node}_5f1c2a3e-8b7d-4c6e-9f10-0a1b2c3d4e5f`,
  renewTime: at(secondsAgo),
  leaseDurationSeconds: duration,
});

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-gate-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The text of a bash function as it appears in a rendered script. */
function bashFunction(script: string, name: string): string {
  const start = script.indexOf(`${name}() {`);
  expect(start).toBeGreaterThanOrEqual(0);
  return script.slice(start, script.indexOf("\n}\n", start) + 2);
}

/** The script lines from the one starting with `from` up to (not including) the one starting with `to`. */
function region(script: string, from: string, to: string): string {
  const lines = script.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith(from));
  const end = lines.findIndex((l, i) => i > start && l.trimStart().startsWith(to));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return lines.slice(start, end).join("\n");
}

/**
 * Runs bash with kubectl and date stubbed: kubectl records its arguments and prints `kubectlOut` (exit
 * `kubectlExit`), date prints NOW. Returns stdout and the recorded kubectl arguments.
 */
function runWithStubs(body: string, kubectlOut: string, kubectlExit = 0, nodeNamesByHostname: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null; kubectlArgs: string } {
  const out = path.join(dir, "kubectl.json");
  const args = path.join(dir, "kubectl.args");
  fs.writeFileSync(out, kubectlOut);
  fs.rmSync(args, { force: true });
  const stubs = [
    "set -euo pipefail",
    `kubectl() { printf '%s\\n' "$*" >> '${args}'; cat '${out}'; return ${kubectlExit}; }`,
    `date() { echo ${NOW}; }`,
    "readonly KUBECONFIG_FILE=/etc/kubernetes/admin.conf",
    `readonly NODE_NAMES_BY_HOSTNAME='${JSON.stringify(nodeNamesByHostname)}'`,
  ].join("\n");
  const r = spawnSync("bash", ["-c", `${stubs}\n${body}`], { encoding: "utf8", timeout: 20_000 });
  return { stdout: r.stdout.trim(), stderr: r.stderr, status: r.status, kubectlArgs: fs.existsSync(args) ? fs.readFileSync(args, "utf8").trim() : "" };
}

describe("quorum gate script: leader observation", () => {
  test("control-plane gates observe the Leases by default; etcd-only gates do not; the option overrides", () => {
    expect(quorumGateScript(apiGate)).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='true'\n");
    expect(quorumGateScript({ ...etcdGate, readyzUrl: "https://lb:6443/readyz" })).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='true'\n");
    expect(quorumGateScript({ ...etcdGate, expectedReadyNodes: 1 })).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='true'\n");
    expect(quorumGateScript(etcdGate)).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='false'\n");
    expect(quorumGateScript({ ...apiGate, observeLeaseHolders: false })).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='false'\n");
    expect(quorumGateScript({ ...etcdGate, observeLeaseHolders: true })).toContain("\nreadonly OBSERVE_LEASE_HOLDERS='true'\n");
  });

  test("the rendered script carries lease_holders exactly, asks only when /readyz is ok, and never adds a problem", () => {
    const script = quorumGateScript(apiGate);
    expect(bashFunction(script, "lease_holders")).toBe(LEASE_HOLDERS);
    expect(script).toContain('if [ "$OBSERVE_LEASE_HOLDERS" = true ] && { [ -z "$READYZ_URL" ] || [ "$readyz" = "ok" ]; }; then');
    const problemLines = script.split("\n").filter((l) => l.includes("problems+=("));
    expect(problemLines.length).toBeGreaterThan(0);
    for (const line of problemLines) expect(line).not.toMatch(/lease|leader_ids|etcd_leader/i);
    // The verdict is computed from the problems and the healthy count only, after the observation of leaders.
    const verdict = region(script, "# Quorum lost is a failure", "degraded=false");
    expect(verdict).not.toMatch(/lease|etcd_leader/);
  });

  test.each<[string, string, Record<string, string | null>]>([
    ["both held and fresh", leaseList(lease("kube-controller-manager", held("cp-0")), lease("kube-scheduler", held("cp-2"))), { kubeControllerManager: "cp-0", kubeScheduler: "cp-2" }],
    ["controller-manager expired (renewed 20 s ago, 15 s lease)", leaseList(lease("kube-controller-manager", held("cp-0", 20)), lease("kube-scheduler", held("cp-1"))), { kubeControllerManager: null, kubeScheduler: "cp-1" }],
    ["renewed exactly leaseDurationSeconds ago (expired)", leaseList(lease("kube-controller-manager", { ...held("cp-0", 15), renewTime: at(15, ".000000") }), lease("kube-scheduler", held("cp-1"))), { kubeControllerManager: null, kubeScheduler: "cp-1" }],
    ["scheduler Lease absent", leaseList(lease("kube-controller-manager", held("cp-1"))), { kubeControllerManager: "cp-1", kubeScheduler: null }],
    ["no Lease at all (fresh cluster)", leaseList(), { kubeControllerManager: null, kubeScheduler: null }],
    ["released on shutdown (empty holder, 1 s lease)", leaseList(lease("kube-controller-manager", { holderIdentity: "", renewTime: at(0), leaseDurationSeconds: 1 }), lease("kube-scheduler", held("cp-0"))), { kubeControllerManager: null, kubeScheduler: "cp-0" }],
    ["holder without renewTime", leaseList(lease("kube-controller-manager", { holderIdentity: "cp-0_x", leaseDurationSeconds: 15 }), lease("kube-scheduler", held("cp-0"))), { kubeControllerManager: null, kubeScheduler: "cp-0" }],
    ["same name in another namespace is ignored", leaseList(lease("kube-controller-manager", held("other"), "default"), lease("kube-scheduler", held("cp-2"))), { kubeControllerManager: null, kubeScheduler: "cp-2" }],
    ["identity without a _uuid suffix is the node name", leaseList(lease("kube-controller-manager", { ...held("cp-0"), holderIdentity: "cp-0" }), lease("kube-scheduler", { ...held("cp-1"), holderIdentity: "node.with.dots_abc_def" })), { kubeControllerManager: "cp-0", kubeScheduler: "node.with.dots_abc" }],
    ["other kube-system Leases (apiserver identities) do not count", leaseList(lease("apiserver-abc", held("cp-0")), lease("kube-scheduler", held("cp-2"))), { kubeControllerManager: null, kubeScheduler: "cp-2" }],
  ])("lease_holders: %s", (_case, kubectlOut, expected) => {
    const r = runWithStubs(`${LEASE_HOLDERS}\nlease_holders`, kubectlOut);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
    expect(r.kubectlArgs).toBe("--kubeconfig /etc/kubernetes/admin.conf --request-timeout=5s -n kube-system get leases -o json");
  });

  test("lease_holders reports a holder's node name when its host name is known, the host name otherwise", () => {
    const out = leaseList(lease("kube-controller-manager", held("ip-10-0-1-10")), lease("kube-scheduler", held("h7")));
    const r = runWithStubs(`${LEASE_HOLDERS}\nlease_holders`, out, 0, { "ip-10-0-1-10": "cp-0", h2: "cp-1" });
    expect(JSON.parse(r.stdout)).toEqual({ kubeControllerManager: "cp-0", kubeScheduler: "h7" });
  });

  test("the gate carries the host-name map as JSON", () => {
    expect(quorumGateScript({ ...apiGate, nodeNamesByHostname: { h1: "cp-0" } })).toContain(`\nreadonly NODE_NAMES_BY_HOSTNAME='{"h1":"cp-0"}'\n`);
    expect(quorumGateScript(apiGate)).toContain("\nreadonly NODE_NAMES_BY_HOSTNAME='{}'\n");
  });

  test.each<[string, string | undefined]>([
    ["h1 is prepared", "h1"],
    ["waiting\nip-10-0-1-10 is prepared\n", "ip-10-0-1-10"],
    ["cloud-init failed", undefined],
  ])("preparedHostname(%p)", (stdout, expected) => {
    expect(preparedHostname(stdout)).toBe(expected);
  });

  test.each<[string, string, number]>([
    ["kubectl fails (API down)", "", 1],
    ["kubectl prints something that is not JSON", "error: the server doesn't have a resource type \"leases\"", 0],
  ])("lease_holders prints null, exit 0, when %s", (_case, out, exit) => {
    const r = runWithStubs(`${LEASE_HOLDERS}\nlease_holders`, out, exit);
    expect({ stdout: r.stdout, status: r.status }).toEqual({ stdout: "null", status: 0 });
  });

  /** Runs the gate's leader region and observation assembly for real, with the gate's variables set. */
  function observe(options: QuorumGateOptions, vars: { members: object[]; readyz: string; kubectlOut: string; kubectlExit?: number }) {
    const script = quorumGateScript(options);
    const params = script.split("\n").filter((l) => l.startsWith("readonly ") && !l.startsWith("readonly KUBECONFIG_FILE=") && !l.startsWith("readonly NODE_NAMES_BY_HOSTNAME=")).join("\n");
    const body = [
      params,
      bashFunction(script, "lease_holders"),
      "ok=true; degraded=false; healthy=3; attempt=1",
      `members_json='${vars.members.map((m) => JSON.stringify(m)).join(" ")}'`,
      "cluster_ids=$'abc\\n'; leader_ids=$'123\\n'; alarms=''; problems=(); nodes_json=null",
      `readyz=${JSON.stringify(vars.readyz)}`,
      region(script, "# Who leads, for the operator", "# Quorum lost is a failure"),
      region(script, 'observation="$(jq -nc', "[ \"$ok\" = true ]"),
      'printf \'%s\\n\' "$observation"',
    ].join("\n");
    const r = runWithStubs(body, vars.kubectlOut, vars.kubectlExit ?? 0);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return { observation: parseGateObservation(`some log line\n${r.stdout}\n`), kubectlCalled: r.kubectlArgs !== "" };
  }

  const member = (name: string, isLeader: boolean) => ({ name, id: "1", endpoint: `https://${name}:2379`, healthy: true, isLearner: false, isLeader });
  const fresh = leaseList(lease("kube-controller-manager", held("cp-0")), lease("kube-scheduler", held("cp-0")));

  test.each<[string, QuorumGateOptions, Parameters<typeof observe>[1], object, boolean]>([
    [
      "control-plane gate: etcd leader cp-1, both Leases on cp-0",
      apiGate,
      { members: [member("cp-0", false), member("cp-1", true), member("cp-2", false)], readyz: "ok", kubectlOut: fresh },
      { etcd: "cp-1", kubeControllerManager: "cp-0", kubeScheduler: "cp-0" },
      true,
    ],
    [
      "control-plane gate: scheduler Lease expired, controller-manager Lease absent",
      apiGate,
      { members: [member("cp-0", true), member("cp-1", false), member("cp-2", false)], readyz: "ok", kubectlOut: leaseList(lease("kube-scheduler", held("cp-2", 60))) },
      { etcd: "cp-0", kubeControllerManager: null, kubeScheduler: null },
      true,
    ],
    [
      "control-plane gate, /readyz not ok: the API is not asked",
      apiGate,
      { members: [member("cp-0", true), member("cp-1", false), member("cp-2", false)], readyz: "connection refused", kubectlOut: fresh },
      { etcd: "cp-0" },
      false,
    ],
    [
      "control-plane gate, kubectl fails: Lease holders not reported, gate output intact",
      apiGate,
      { members: [member("cp-0", false), member("cp-1", false), member("cp-2", true)], readyz: "ok", kubectlOut: "", kubectlExit: 1 },
      { etcd: "cp-2" },
      true,
    ],
    [
      "etcd-only gate: no leader among the members (election)",
      etcdGate,
      { members: [member("cp-0", false), member("cp-1", false), member("cp-2", false)], readyz: "", kubectlOut: fresh },
      { etcd: null },
      false,
    ],
    [
      "etcd-only gate: two members claim leadership -> no single leader",
      etcdGate,
      { members: [member("cp-0", true), member("cp-1", true), member("cp-2", false)], readyz: "", kubectlOut: fresh },
      { etcd: null },
      false,
    ],
  ])("observation: %s", (_case, options, vars, leaders, kubectlCalled) => {
    const r = observe(options, vars);
    expect(r.observation?.leaders).toEqual(leaders);
    expect(r.observation).toMatchObject({ ok: true, problems: [], attempts: 1 });
    expect(r.kubectlCalled).toBe(kubectlCalled);
  });
});
