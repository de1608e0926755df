// One Kubernetes bring-up (3 stacked control planes behind HAProxy + keepalived on 2 more hosts) on a fresh
// kind-node-like test bed, in one of two ways:
//   node child.js library   the library's HostsControlPlane under the executing mocks (real SSH, keys, certificates),
//                           as test/integration/kubernetesStacked.test.ts brings it up
//   node child.js bare      the same kubeadm sequence by hand: bench/kubeBringUp/bare.sh over plain SSH
// The bed (TESTBED_KIND_PREFIX/_NET/_STATE) is made before and removed after; neither is timed in the figures.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { renderHaproxyConfig } from "../../src/hosts/haproxyConfig";
import { renderKeepalivedConfig } from "../../src/hosts/keepalivedConfig";
import { CONTAINER_LIKE_HOST_ARGS } from "../../test/integration/harness/kubeTestbed";
import { emitResult } from "../support/childProcess";
import { exitOnUnhandledRejection, settle } from "../support/outputs";
import { REPO_ROOT } from "../support/paths";
import { BenchKubeTestbed, KUBERNETES_VERSION, otherTestbeds, startBenchKubeTestbed } from "./testbed";

export type Mode = "library" | "bare";

/** One remote step as it ran, ms relative to the first remote command's start. */
export interface RanStep {
  /** Library: the command's name without the component prefix (`lb-0-haproxy`, `cp-0-init`, `cp-1-gate`, ...); bare: the script's phase. */
  name: string;
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** A step of the critical chain with the idle time before it (after the step it waited for ended). */
export interface ChainLink {
  name: string;
  durationMs: number;
  /** ms between the end of the previous link (or the first command's start) and this step's start. */
  gapBeforeMs: number;
}

/** A pause in kubeadm's output: the line printed before it and how long until the next line. */
export interface KubeadmWait {
  ms: number;
  after: string;
  next: string;
}

/** Figures of one bring-up. */
export interface KubeBringUpResult {
  mode: Mode;
  /** ms from the first remote command starting to the end: the final gate passed (library), the last join returned (bare). */
  wallMs: number;
  /** ms from constructing the component (library) / starting the script (bare) to the end. */
  programMs: number;
  /** ms from the first remote command starting to the last control plane's join returning (both). */
  toLastJoinMs: number;
  steps: RanStep[];
  /**
   * Walking back from the last step, each step's predecessor is the step that ended last before it started:
   * the chain of waits that makes up `wallMs` (durations + gaps = wallMs).
   */
  criticalChain: ChainLink[];
  /** Bare only: ms from the last join returning until all 3 nodes were Ready (not part of wallMs). */
  nodesReadyAfterEndMs?: number;
  /** Bare only: nodes Ready when the last join returned. */
  readyNodesAtEnd?: number;
  /** Bare only: the longest pauses in kubeadm's output per step (init, cp-1-join, cp-2-join), read afterwards. */
  kubeadmWaits?: Record<string, KubeadmWait[]>;
  /** What was checked at the end. */
  verified: string;
  /** ms the test bed took to come up (hosts, images imported); not in the figures. */
  setupMs: number;
  /** Other test beds up during the run (their load skews the figures). */
  concurrentTestbeds: string[];
  /** The machine's 1-minute load average when the bring-up started and ended. */
  loadAverage1m: { start: number; end: number };
}

const CLUSTER_NAME = "bench-kube";
const NAME = "bench";
const DOMAINS = ["rack-a", "rack-b", "rack-c"];
const POD_SUBNET = "10.244.0.0/16";
const API_PORT = 6443;
const BARE_SCRIPT = path.join(REPO_ROOT, "bench", "kubeBringUp", "bare.sh");

/** The chain of waits ending at the step that ended last (see {@link KubeBringUpResult.criticalChain}). */
export function criticalChain(steps: RanStep[]): ChainLink[] {
  const chain: ChainLink[] = [];
  let current = [...steps].sort((a, b) => b.endMs - a.endMs)[0];
  while (current) {
    const before = steps.filter((s) => s !== current && s.endMs <= current!.startMs).sort((a, b) => b.endMs - a.endMs)[0];
    chain.unshift({ name: current.name, durationMs: current.durationMs, gapBeforeMs: current.startMs - (before?.endMs ?? 0) });
    current = before;
  }
  return chain;
}

/** The `count` longest pauses of a kubeadm log whose lines bare.sh prefixed with epoch microseconds. */
export function longestWaits(log: string, count = 4): KubeadmWait[] {
  const lines = log
    .split("\n")
    .map((line) => /^(\d{16}) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ us: Number(m[1]), text: m[2].trim().slice(0, 140) }));
  return lines
    .slice(1)
    .map((line, i) => ({ ms: Math.round((line.us - lines[i].us) / 1000), after: lines[i].text, next: line.text }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}

function relative(list: { name: string; startedAtMs: number; endedAtMs: number }[]): { first: number; steps: RanStep[] } {
  const first = Math.min(...list.map((s) => s.startedAtMs));
  const steps = list
    .map((s) => ({ name: s.name, startMs: s.startedAtMs - first, endMs: s.endedAtMs - first, durationMs: s.endedAtMs - s.startedAtMs }))
    .sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
  return { first, steps };
}

async function library(kt: BenchKubeTestbed): Promise<Omit<KubeBringUpResult, "setupMs" | "concurrentTestbeds" | "loadAverage1m">> {
  const { setExecutingMocks }: typeof import("../../test/integration/harness/executingMocks") = require("../../test/integration/harness/executingMocks");
  // As kubernetesStacked.test.ts sets them.
  const mocks = await setExecutingMocks({ connectTimeoutSeconds: 2, dialRetryDelayMs: 500, maxDialWaitMs: 180_000, commandTimeoutMs: 20 * 60_000 }, "pulumi-k8s-ha-bench", "bench");
  const { HostsControlPlane }: typeof import("../../src/hosts") = require("../../src/hosts");
  const all = [...kt.nodes, ...kt.loadBalancers];
  const spec = (index: number, name: string) => ({
    name,
    address: all[index].address,
    user: "root",
    privateKey: pulumi.secret(kt.privateKeyPem),
    failureDomain: DOMAINS[index % 3],
  });
  const started = Date.now();
  const cp = new HostsControlPlane(NAME, {
    clusterName: CLUSTER_NAME,
    controlPlaneHosts: [0, 1, 2].map((i) => spec(i, `cp-${i}`)),
    loadBalancerHosts: [3, 4].map((i) => spec(i, `lb-${i - 3}`)),
    failureDomains: DOMAINS,
    virtualIp: kt.virtualIp,
    virtualIpInterface: "eth0",
    prepareHosts: false,
    cniManifestUrl: kt.cniManifestUrl,
    kubernetesVersion: KUBERNETES_VERSION,
    podSubnet: POD_SUBNET,
    gateTimeoutSeconds: 300,
    hostReadyTimeoutMinutes: 2,
    ...CONTAINER_LIKE_HOST_ARGS,
  });
  const quorum = await settle(cp.quorum, 30 * 60_000);
  await settle(cp.kubeconfig, 60_000);
  await pulumi.runtime.disconnect();
  const observed = quorum.observed;
  const healthy = observed?.members.filter((m) => m.healthy && !m.isLearner).length ?? 0;
  const ready = observed?.nodes?.filter((n) => n.ready).length ?? 0;
  if (!observed?.ok || healthy !== 3 || ready !== 3) throw new Error(`the final gate passed but its observation is not a healthy 3-node cluster: ${JSON.stringify(observed)}`);
  if (!kt.manifestRequests.includes("/flannel.yaml")) throw new Error("the CNI manifest was never fetched");
  const commands = mocks.records.filter((r) => r.type === "command:remote:Command");
  const unfinished = commands.filter((r) => r.endedAtMs === undefined || r.error !== undefined);
  if (unfinished.length > 0) throw new Error(`steps not finished: ${unfinished.map((r) => r.name).join(", ")}`);
  const shortName = (name: string) => name.replace(new RegExp(`^${NAME}-(control-plane-|lb-)`), "");
  const { first, steps } = relative(commands.map((r) => ({ name: shortName(r.name), startedAtMs: r.startedAtMs, endedAtMs: r.endedAtMs! })));
  const end = Math.max(...steps.map((s) => s.endMs));
  const finalGate = steps.find((s) => s.name === "cp-2-gate");
  if (finalGate?.endMs !== end) throw new Error(`the final gate is not the last step: ${JSON.stringify(steps.slice(-3))}`);
  return {
    mode: "library",
    wallMs: end,
    programMs: first + end - started,
    toLastJoinMs: steps.find((s) => s.name === "cp-2-join")!.endMs,
    steps,
    criticalChain: criticalChain(steps),
    verified: `final gate: ${healthy} healthy voting etcd members, ${ready} Ready nodes, /readyz ${observed.apiServerReadyz ?? "?"} through the VIP`,
  };
}

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

async function bare(kt: BenchKubeTestbed): Promise<Omit<KubeBringUpResult, "setupMs" | "concurrentTestbeds" | "loadAverage1m">> {
  // The load balancers' configuration as the library renders it (ApiLoadBalancer's arguments), so both run the same
  // HAProxy and keepalived set-up; the script only places the files and starts the daemons.
  const dir = mkdtempSync(path.join(tmpdir(), "pkb-bare-"));
  try {
    const haproxy = path.join(dir, "haproxy.cfg");
    writeFileSync(
      haproxy,
      renderHaproxyConfig({
        frontendPort: API_PORT,
        backends: kt.nodes.map((h, i) => ({ name: `cp-${i}`, address: h.address, port: API_PORT })),
        maxConnections: CONTAINER_LIKE_HOST_ARGS.loadBalancerMaxConnections,
      }),
    );
    const keepalived = kt.loadBalancers.map((host, index) => {
      const file = path.join(dir, `keepalived-${index}.conf`);
      writeFileSync(
        file,
        renderKeepalivedConfig({
          virtualIp: kt.virtualIp,
          interface: "eth0",
          virtualRouterId: 51,
          priority: 200 - index,
          state: index === 0 ? "MASTER" : "BACKUP",
          peers: kt.loadBalancers.filter((other) => other !== host).map((other) => other.address),
        }),
      );
      return file;
    });
    const [cp1, cp2, cp3] = kt.nodes.map((h) => h.address);
    const env = {
      ...process.env,
      KEY: kt.privateKeyFile,
      CP1: cp1,
      CP2: cp2,
      CP3: cp3,
      LB1: kt.loadBalancers[0].address,
      LB2: kt.loadBalancers[1].address,
      VIP: kt.virtualIp,
      MANIFEST_URL: kt.cniManifestUrl,
      K8S_VERSION: KUBERNETES_VERSION,
      POD_SUBNET,
      CLUSTER_NAME,
      HAPROXY_CFG: haproxy,
      KEEPALIVED_CFG1: keepalived[0],
      KEEPALIVED_CFG2: keepalived[1],
      IGNORE_PREFLIGHT: CONTAINER_LIKE_HOST_ARGS.ignorePreflightErrors.join(","),
    };
    const started = Date.now();
    const r = await runBash(BARE_SCRIPT, env, 30 * 60_000);
    const ended = Date.now();
    if (r.code !== 0) throw new Error(`bare.sh exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    const phases = r.stdout
      .split("\n")
      .map((line) => /^PHASE (\S+) (\d+) (\d+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], startedAtMs: Number(m[2]), endedAtMs: Number(m[3]) }));
    const expected = ["lb-0-haproxy", "lb-0-keepalived", "lb-1-haproxy", "lb-1-keepalived", "config", "init", "cni", "cp-1-join", "cp-2-join"];
    const missing = expected.filter((name) => !phases.some((p) => p.name === name));
    if (missing.length > 0) throw new Error(`bare.sh printed no phase ${missing.join(", ")}:\n${r.stdout}\n${r.stderr}`);
    const { first, steps } = relative(phases);
    const end = Math.max(...steps.map((s) => s.endMs));

    // After the end (not timed in wallMs): how many nodes were Ready then, and when all 3 were.
    const wait = await kt.ssh(
      kt.nodes[0],
      `k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
ready() { k get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l; }
echo "first $(ready)"
for _ in $(seq 1 300); do [ "$(ready)" -ge 3 ] && { echo "all $(date +%s%3N)"; k get nodes --no-headers; exit 0; }; sleep 1; done
k get nodes >&2; exit 1`,
      400_000,
    );
    const readyNodesAtEnd = Number(/^first (\d+)/m.exec(wait.stdout)?.[1] ?? NaN);
    const allReadyAt = Number(/^all (\d+)/m.exec(wait.stdout)?.[1] ?? NaN);
    if (wait.code !== 0 || !Number.isFinite(allReadyAt)) throw new Error(`after bare.sh, not all 3 nodes became Ready: ${wait.stdout}${wait.stderr}`);
    if (!kt.manifestRequests.includes("/flannel.yaml")) throw new Error("the CNI manifest was never fetched");
    const logOf = async (host: number, file: string) => (await kt.ssh(kt.nodes[host], `cat ${file}`, 30_000)).stdout;
    const kubeadmWaits = {
      init: longestWaits(await logOf(0, "/root/bare/init.log")),
      "cp-1-join": longestWaits(await logOf(1, "/root/join.log")),
      "cp-2-join": longestWaits(await logOf(2, "/root/join.log")),
    };
    return {
      mode: "bare",
      wallMs: end,
      programMs: ended - started,
      toLastJoinMs: steps.find((s) => s.name === "cp-2-join")!.endMs,
      steps,
      criticalChain: criticalChain(steps),
      nodesReadyAfterEndMs: allReadyAt - (first + end),
      readyNodesAtEnd,
      kubeadmWaits,
      verified: `kubeadm joins returned; afterwards all 3 nodes Ready: ${wait.stdout.split("\n").filter((l) => /^cp-/.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join("=")).join(", ")}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  exitOnUnhandledRejection();
  const mode = process.argv[2];
  if (mode !== "library" && mode !== "bare") throw new Error("usage: child.js library|bare");
  const before = await otherTestbeds();
  const kt = await startBenchKubeTestbed(3, 2);
  try {
    const loadAtStart = loadavg()[0];
    const figures = mode === "library" ? await library(kt) : await bare(kt);
    const loadAverage1m = { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0] * 100) / 100 };
    const after = await otherTestbeds();
    const result: KubeBringUpResult = { ...figures, setupMs: kt.setupMs, concurrentTestbeds: [...new Set([...before, ...after])].sort(), loadAverage1m };
    emitResult(result);
  } finally {
    await kt.stop();
  }
}

main().then(
  // The Pulumi runtime may keep handles open after disconnect: the figures are out, leave.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
