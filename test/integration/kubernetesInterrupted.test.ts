/**
 * Bring-ups interrupted by power-offs, on real kind-node-like hosts (h1-h3 control planes with stacked etcd, h4-h5
 * HAProxy + keepalived), under the executing mocks (real SSH, real keys): the library's HostsControlPlane "k8s".
 *
 * kubeadm writes admin.conf, kubelet.conf and the static pod manifests long before it is done, and a machine that
 * loses power never reaches the step's failure path (reset and restore): the next run must recognise the half-done
 * step from the completion records, undo it safely and complete, without a stale etcd learner and without a second
 * cluster.
 *
 * Shape, chosen to cost one test bed and about one and a half bring-ups instead of two of each (the suite must fit in
 * about 12 minutes):
 *   run 1: h1 is powered off while `kubeadm init` really runs on it (kubeadm's process alive and its etcd manifest
 *          written). The init step's failure is recorded (onFailure "hold": an update that failed and was abandoned;
 *          nothing after init starts). h1 is booted (disk intact; its kubelet restarts the half-made control plane).
 *   run 2: the same program again. The init step finds admin.conf without a completion record, asks the API: the
 *          node is alone and kube-proxy/CoreDNS (kubeadm's last phase) were never made, so it resets and initialises
 *          again; cp-1 joins. While cp-2 joins, as soon as its etcd member was added (a learner, or not yet started),
 *          h3 is powered off: the cp-2 join step's failure is recorded; h3 is booted.
 *   run 3: the same program again: cp-2's join finds its start record without a completion record, removes its
 *          member (the learner left behind) through the other members, deletes its Node, resets and joins again. The
 *          final gate sees 3 healthy voters, no learner, every node Ready; the cluster is the one init made in run 2
 *          (same kube-system UID through the VIP and on every API server, one etcd cluster ID on every member).
 * The mocks replay like the engine between updates (`replayState`, `rerunCommands: false`): a step that succeeded
 * is not run again, the failed step and everything after it run. (Re-running every step would test more than the
 * engine does: a gate that passed in run 2 would now see the learner that the interrupted join left, which only the
 * re-run join removes.)
 * Uses the kind test bed's environment (TESTBED_KIND_PREFIX/NET/STATE) with their defaults, like the other suites;
 * it powers hosts off, so it runs alone, after them (test/integration/sequencer.js).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { GateObservation, QuorumReport } from "../../src/cluster/quorumReport";
import type { HostSpec } from "../../src/hosts";
import { ExecutingMocks, ResourceRecord, setKubeSuiteMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";
import { upstreamBinary } from "./harness/upstreamCache";

jest.setTimeout(40 * 60_000);

const PREFIX = process.env.TESTBED_KIND_PREFIX ?? "pkk";
let kt: KubeTestbed;
let mocks: ExecutingMocks;
let hostsModule: typeof import("../../src/hosts");
let etcdDir: string | undefined;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];

function spec(index: number, name: string): HostSpec {
    return kt.hostSpec(index, name, domains[index % 3]);
}

/** The program: the same component name every run, as `pulumi up` would register it again. */
function newControlPlane() {
    return new hostsModule.HostsControlPlane("k8s", {
        clusterName: "it-interrupted",
        controlPlaneHosts: [0, 1, 2].map((i) => spec(i, `cp-${i}`)),
        loadBalancerHosts: [3, 4].map((i) => spec(i, `lb-${i - 3}`)),
        failureDomains: domains,
        ...kt.sharedArgs,
    });
}

/** Polls `probe` until it returns a value (bounded); `what` names the wait in the error. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await sleep(intervalMs);
    }
}

/** The record of the step named `...${suffix}` registered since record `from` (this run's), once it settled. */
function settledSince(from: number, suffix: string, timeoutMs: number): Promise<ResourceRecord> {
    return waitFor(
        `step ${suffix} of this run settled`,
        async () => mocks.records.slice(from).find((r) => r.name.endsWith(suffix) && r.endedAtMs !== undefined),
        timeoutMs,
        500,
    );
}

/** Waits until every step this run started has ended (held failures included), so that runs never overlap. */
function runQuiet(from: number, timeoutMs: number): Promise<true> {
    return waitFor("this run's steps ended", async () => (mocks.records.slice(from).every((r) => r.endedAtMs !== undefined) ? true : undefined), timeoutMs, 500);
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(file, [...args], { timeout: timeoutMs, killSignal: "SIGKILL" }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
        ),
    );
}

/** etcdctl on this machine with kubeadm's etcd health-check client certificate (fetched from h1 by fetchEtcdClient). */
function etcdctl(endpoint: string, ...args: string[]) {
    const dir = etcdDir!;
    return run(
        upstreamBinary("etcd", undefined, "etcdctl"),
        [`--endpoints=${endpoint}`, `--cacert=${dir}/ca.crt`, `--cert=${dir}/client.crt`, `--key=${dir}/client.key`, "--dial-timeout=1s", "--command-timeout=3s", ...args],
        10_000,
    );
}

async function fetchEtcdClient(): Promise<void> {
    etcdDir = mkdtempSync(path.join(tmpdir(), "pkh-etcd-client-"));
    const pki = "/etc/kubernetes/pki/etcd";
    for (const [remote, local] of [["ca.crt", "ca.crt"], ["healthcheck-client.crt", "client.crt"], ["healthcheck-client.key", "client.key"]]) {
        writeFileSync(path.join(etcdDir, local), await kt.tb.run(kt.tb.hosts[0], `cat ${pki}/${remote}`), { mode: 0o600 });
    }
}

const etcdUrl = (i: number) => `https://${kt.tb.hosts[i].address}:2379`;

beforeAll(async () => {
    mocks = await setKubeSuiteMocks({ onFailure: "hold" });
    hostsModule = await import("../../src/hosts");
    kt = await startKubeTestbed({ nodeCount: 3, loadBalancerCount: 2 });
    figures["test bed ready after"] = seconds(Date.now() - suiteStarted);
});

afterAll(async () => {
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    console.log(`interrupted bring-ups, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    if (etcdDir) rmSync(etcdDir, { recursive: true, force: true });
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

let uidAfterInit = "";
let bootedAt = 0;
let kubeconfig = "";

test("run 1: h1 powered off during kubeadm init; the init step's failure is recorded and nothing after it runs", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    newControlPlane(); // never completes: the init step fails and holds
    const h1 = kt.tb.hosts[0];
    const seen = await waitFor(
        "kubeadm init running on h1 with its etcd manifest written",
        async () => {
            if (mocks.records.slice(from).some((r) => r.name.endsWith("cp-0-init") && r.endedAtMs !== undefined)) {
                throw new Error("kubeadm init ended before h1 could be powered off");
            }
            const r = await kt.tb.ssh(
                h1,
                "pgrep -x kubeadm >/dev/null && [ -f /etc/kubernetes/manifests/etcd.yaml ] && " +
                    "for f in /etc/kubernetes/admin.conf /var/lib/kubelet/config.yaml /etc/kubernetes/manifests/kube-apiserver.yaml; do [ -f $f ] && echo $f; done; true",
            );
            return r.code === 0 && r.stdout.includes("admin.conf") ? r.stdout.trim().split("\n") : undefined;
        },
        10 * 60_000,
        250,
    );
    const crashedAt = Date.now();
    await kt.tb.crash(h1);
    figures["run 1: h1 powered off during kubeadm init, after"] = `${seconds(crashedAt - started)} (files there: ${seen.map((f) => path.basename(f)).join(", ")})`;

    const init = await settledSince(from, "cp-0-init", 120_000);
    figures["run 1: init failure recorded after the power-off"] = `${seconds(init.endedAtMs! - crashedAt)}: ${init.error?.message.split("\n")[0].slice(0, 40)}... ${init.error?.message.trim().split("\n").pop()}`;
    expect(init.name).toMatch(/-cp-0-init$/);
    expect(init.state).toBeUndefined();
    expect(init.error?.message).toMatch(/^Process exited with status 255/);
    expect(init.error?.message).toMatch(/closed by remote host|Connection reset|Broken pipe|connect to host/i);
    await runQuiet(from, 5 * 60_000);
    // Nothing that needs init started: no join, no gate, no kubeconfig.
    expect(mocks.records.slice(from).filter((r) => /-(join|gate|kubeconfig|cni)$/.test(r.name)).map((r) => r.name)).toEqual([]);
    await kt.tb.boot(h1);
    bootedAt = Date.now();
});

test("run 2: the interrupted init is reset and run again; then h3 is powered off right after its join added its etcd member", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane();
    const init = await settledSince(from, "cp-0-init", 20 * 60_000);
    expect(init.error).toBeUndefined();
    const initOut = String(init.state?.stdout ?? "");
    figures["run 2: init recovered in"] = `${seconds(init.endedAtMs! - init.startedAtMs)} (${seconds(init.endedAtMs! - bootedAt)} after h1 answered SSH again): ${initOut.split("\n").find((l) => l.includes("did not complete")) ?? initOut}`;
    figures["run 2: init said"] = initOut.split("\n").filter((l) => !l.startsWith("restored ")).join(" | ");
    expect(initOut).toMatch(/kubeadm init on cp-0 did not complete \(interrupted: \/etc\/kubernetes\/admin.conf but no completion record\)/);
    expect(initOut).toContain("resetting cp-0 so that the step starts cleanly");
    expect(initOut).toContain("kubeadm init done on cp-0");
    kubeconfig = await outputValue(cp.kubeconfig, 5 * 60_000);
    uidAfterInit = (await kt.kubectl(kubeconfig, ["get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"])).trim();
    expect(uidAfterInit).toMatch(/^[0-9a-f-]{36}$/);
    await fetchEtcdClient();

    // cp-2's member appears in the member list as a learner (or not yet started) the moment its join adds it.
    const peer = `https://${kt.tb.hosts[2].address}:2380,`;
    const joining = await waitFor(
        "cp-2's etcd member added by its join",
        async () => {
            if (mocks.records.slice(from).some((r) => r.name.endsWith("cp-2-join") && r.endedAtMs !== undefined)) {
                throw new Error("cp-2's join ended before h3 could be powered off");
            }
            const r = await etcdctl(etcdUrl(0), "member", "list", "-w", "simple");
            const line = r.stdout.split("\n").find((l) => l.includes(peer));
            return line !== undefined && (line.endsWith(", true") || line.includes(", unstarted, ")) ? line : undefined;
        },
        15 * 60_000,
        150,
    );
    const crashedAt = Date.now();
    await kt.tb.crash(kt.tb.hosts[2]);
    const after = (await etcdctl(etcdUrl(0), "member", "list", "-w", "simple")).stdout.split("\n").find((l) => l.includes(peer)) ?? "gone";
    figures["run 2: h3 powered off, cp-2's member when seen / after the power-off"] = `${joining} / ${after}`;
    figures["run 2: h3 powered off after"] = seconds(crashedAt - started);

    const join = await settledSince(from, "cp-2-join", 120_000);
    expect(join.error?.message).toMatch(/^Process exited with status 255/);
    await runQuiet(from, 5 * 60_000);
    expect(mocks.records.slice(from).filter((r) => r.name.endsWith("cp-1-join")).map((r) => r.state !== undefined)).toEqual([true]);
    await kt.tb.boot(kt.tb.hosts[2]);
    bootedAt = Date.now();
});

test("run 3: the interrupted join removes the learner it left, resets and joins again; 3 voters, every node Ready, one cluster", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const quorum: QuorumReport = await outputValue(newControlPlane().quorum, 20 * 60_000);
    figures["run 3: the rest of the bring-up (join recovery + final gate)"] = seconds(Date.now() - started);
    const steps = mocks.records.slice(from).filter((r) => r.type === "command:remote:Command");
    const join = steps.find((r) => r.name.endsWith("cp-2-join"))!;
    const joinOut = String(join.state?.stdout ?? "");
    figures["run 3: cp-2 join recovered in"] = `${seconds(join.endedAtMs! - join.startedAtMs)} (${seconds(join.endedAtMs! - bootedAt)} after h3 answered SSH again): ${joinOut.split("\n").filter((l) => /did not complete|removed this machine|deleted this machine/.test(l)).join(" | ")}`;
    figures["run 3: cp-2 join said"] = joinOut.split("\n").filter((l) => !l.startsWith("restored ")).join(" | ");
    expect(joinOut).toContain("kubeadm join on cp-2 did not complete: it started");
    expect(joinOut).toMatch(/removed this machine's etcd member [0-9a-f]+ from the cluster \(it was a (learner|voter)/);
    expect(joinOut).toContain("kubeadm join done on cp-2");
    // Like the engine: the steps that succeeded before were not run again.
    // (The upgrade steps, after the last join, never ran in run 2; the workers' token is refreshed by every update.)
    expect(steps.filter((r) => !r.replayed).map((r) => r.name.replace(/^k8s-control-plane-/, "")).sort()).toEqual([
        "cp-0-upgrade",
        "cp-1-upgrade",
        "cp-2-gate",
        "cp-2-join",
        "cp-2-upgrade",
        "worker-token",
    ]);

    const observed = quorum.observed as GateObservation;
    expect({ ok: observed.ok, problems: observed.problems }).toEqual({ ok: true, problems: [] });
    expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([
        ["cp-0", true, false],
        ["cp-1", true, false],
        ["cp-2", true, false],
    ]);
    expect(observed.clusterIds).toHaveLength(1);
    expect(observed.nodes).toEqual([
        { name: "cp-0", ready: true, kubeletVersion: "v1.34.2" },
        { name: "cp-1", ready: true, kubeletVersion: "v1.34.2" },
        { name: "cp-2", ready: true, kubeletVersion: "v1.34.2" },
    ]);

    // Exactly one cluster: the one init made in run 2, seen the same through the VIP and on every API server ...
    const uid = async (server?: string) =>
        (await kt.kubectl(kubeconfig, [...(server ? ["--server", server] : []), "get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"])).trim();
    const uids = [await uid(), ...(await Promise.all([0, 1, 2].map((i) => uid(`https://${kt.tb.hosts[i].address}:6443`))))];
    expect(uids).toEqual([uidAfterInit, uidAfterInit, uidAfterInit, uidAfterInit]);
    // ... and one etcd cluster: every member reports the same cluster ID and the same 3 voters.
    const lists = await Promise.all([0, 1, 2].map((i) => etcdctl(etcdUrl(i), "member", "list", "-w", "json", "--hex")));
    const clusterIds = lists.map((l) => /"cluster_id":"?([0-9a-f]+)"?/.exec(l.stdout)?.[1]);
    expect(new Set(clusterIds).size).toBe(1);
    expect(clusterIds[0]).toBeDefined();
    for (const l of lists) {
        const members = (JSON.parse(l.stdout) as { members: { name: string; isLearner?: boolean }[] }).members;
        expect(members.map((m) => [m.name, m.isLearner ?? false]).sort()).toEqual([
            ["cp-0", false],
            ["cp-1", false],
            ["cp-2", false],
        ]);
    }
    figures["one cluster"] = `kube-system ${uidAfterInit} (VIP + 3 API servers), etcd cluster ${clusterIds[0]} (3 members)`;
});
