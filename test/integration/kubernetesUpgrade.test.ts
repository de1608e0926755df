/**
 * A Kubernetes upgrade, 1.33 -> 1.34, on real kind-node-like hosts (h1-h3 control planes with stacked etcd, h4-h5
 * HAProxy + keepalived), under the executing mocks (real SSH), with the library's HostsControlPlane "k8s".
 *
 * The machine image has kubeadm, kubelet and kubectl 1.33.13; the 1.34.2 packages are served as a pkgs.k8s.io-like
 * signed apt repository on the test bridge (harness/aptRepository.ts) and the 1.34 images are in every node's
 * containerd (what a registry would serve). From there only the library acts: apt, kubeadm upgrade apply / node,
 * drain, kubelet restart, uncordon, gates.
 *
 * Shape (one test bed, one bring-up, about 15 minutes):
 *   run 1: bring-up at 1.33.13; a ConfigMap is written as the workload's object.
 *   run 2: kubernetesVersion 1.34.2 while a client probes `/readyz` through the VIP every 200 ms. cp-0 upgrades
 *          (quorum gate, then kubeadm upgrade apply); h2 is powered off while `kubeadm upgrade node` runs on it: the
 *          cp-1 step's failure is recorded (the update failed and was abandoned); h2 is booted.
 *   run 3: the same program again: cp-0's step succeeded before and is not run again (like the engine),
 *          cp-1 resumes, cp-2 upgrades; every node reports v1.34.2 and Ready, the ConfigMap is still there.
 *   run 4: kubernetesVersion back to 1.33.13: refused on cp-0 before anything changed (a downgrade), the cluster
 *          stays at 1.34.2.
 * Powers a host off, so it runs after the other suites (test/integration/sequencer.js).
 */
import type { GateObservation, QuorumReport } from "../../src/cluster/quorumReport";
import type { HostSpec } from "../../src/hosts";
import { ApiProber, ProbeSample, startApiProber } from "./harness/apiProbe";
import { ExecutingMocks, outputOrFailure, ResourceRecord, setKubeSuiteMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";

jest.setTimeout(60 * 60_000);

const PREFIX = process.env.TESTBED_KIND_PREFIX ?? "pkk";
const FROM = "1.33.13";
const TO = "1.34.2";
let kt: KubeTestbed;
let mocks: ExecutingMocks;
let hostsModule: typeof import("../../src/hosts");
let prober: ApiProber | undefined;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];

function spec(index: number, name: string): HostSpec {
    return kt.hostSpec(index, name, domains[index % 3]);
}

/** The program: the same component name every run, as `pulumi up` would register it again. */
function newControlPlane(kubernetesVersion: string) {
    return new hostsModule.HostsControlPlane("k8s", {
        clusterName: "it-upgrade",
        kubernetesVersion,
        kubernetesAptRepository: kt.kubernetesAptRepository,
        controlPlaneHosts: [0, 1, 2].map((i) => spec(i, `cp-${i}`)),
        loadBalancerHosts: [3, 4].map((i) => spec(i, `lb-${i - 3}`)),
        failureDomains: domains,
        ...kt.sharedArgs,
    });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await sleep(intervalMs);
    }
}

function settledSince(from: number, suffix: string, timeoutMs: number): Promise<ResourceRecord> {
    return waitFor(
        `step ${suffix} of this run settled`,
        async () => mocks.records.slice(from).find((r) => r.name.endsWith(suffix) && r.endedAtMs !== undefined),
        timeoutMs,
        500,
    );
}

function runQuiet(from: number, timeoutMs: number): Promise<true> {
    return waitFor("this run's steps ended", async () => (mocks.records.slice(from).every((r) => r.endedAtMs !== undefined) ? true : undefined), timeoutMs, 500);
}

/** Each node as `name=kubeletVersion` (sorted). */
async function nodeVersions(kubeconfig: string): Promise<string[]> {
    const out = await kt.kubectl(kubeconfig, ["get", "nodes", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion}{"\\n"}{end}']);
    return out.trim().split("\n").sort();
}

function failures(samples: ProbeSample[], fromMs: number, toMs: number): string {
    const window = samples.filter((s) => s.atMs >= fromMs && s.atMs < toMs);
    const failed = window.filter((s) => !s.ok);
    const reasons = [...new Set(failed.map((s) => s.error ?? "?"))].slice(0, 3).join("; ");
    return `${failed.length} of ${window.length} failed${failed.length ? ` (${reasons})` : ""}`;
}

beforeAll(async () => {
    mocks = await setKubeSuiteMocks({ commandTimeoutMs: 30 * 60_000, onFailure: "hold" });
    hostsModule = await import("../../src/hosts");
    kt = await startKubeTestbed({ nodeCount: 3, loadBalancerCount: 2, kubernetesVersion: FROM, upgradeVersions: [TO] });
    figures["test bed ready after"] = seconds(Date.now() - suiteStarted);
});

afterAll(async () => {
    await prober?.stop();
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    console.log(`Kubernetes upgrade ${FROM} -> ${TO}, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

let kubeconfig = "";
let run2Started = 0;
let crashedAt = 0;
let bootedAt = 0;

test(`run 1: bring-up at ${FROM}; the upgrade steps find every node at the version and change nothing`, async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane(FROM);
    const quorum: QuorumReport = await outputOrFailure(mocks, from, cp.quorum, 30 * 60_000);
    figures[`run 1: bring-up at ${FROM}`] = seconds(Date.now() - started);
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    await kt.kubectl(kubeconfig, ["create", "configmap", "upgrade-witness", "--from-literal=written-at=" + FROM]);
    expect({ ok: quorum.observed?.ok, problems: quorum.observed?.problems }).toEqual({ ok: true, problems: [] });
    const upgrades = mocks.records.slice(from).filter((r) => r.name.endsWith("-upgrade"));
    expect(upgrades.map((r) => [r.name.replace(/^k8s-control-plane-/, ""), String(r.state?.stdout ?? r.error?.message)])).toEqual(
        [0, 1, 2].map((i) => [`cp-${i}-upgrade`, `cp-${i} already runs v${FROM}`]),
    );
    expect((quorum.observed as GateObservation).nodes?.map((n) => [n.name, n.ready, n.kubeletVersion])).toEqual(
        [0, 1, 2].map((i) => [`cp-${i}`, true, `v${FROM}`]),
    );
});

test(`run 2: kubernetesVersion ${TO}: cp-0 upgrades behind its gate; h2 is powered off during kubeadm upgrade node`, async () => {
    prober = startApiProber(kubeconfig, 200);
    const from = mocks.records.length;
    run2Started = Date.now();
    newControlPlane(TO); // never completes: cp-1's step fails and holds
    const h2 = kt.tb.hosts[1];
    await waitFor(
        "kubeadm upgrade node running on h2",
        async () => {
            const failed = mocks.records.slice(from).find((r) => r.error !== undefined);
            if (failed) throw new Error(`${failed.name} failed before h2 could be powered off: ${failed.error?.message}`);
            if (mocks.records.slice(from).some((r) => r.name.endsWith("cp-1-upgrade") && r.endedAtMs !== undefined)) {
                throw new Error("cp-1's upgrade ended before h2 could be powered off");
            }
            // Anchored: the shell that runs this check (and the step's own bash) have the words in their command lines too.
            const r = await kt.tb.ssh(h2, "pgrep -f '^kubeadm upgrade node' >/dev/null && echo running; true");
            return r.stdout.includes("running") ? true : undefined;
        },
        30 * 60_000,
        250,
    );
    const first = await settledSince(from, "cp-0-upgrade", 1000);
    const firstOut = String(first.state?.stdout ?? "");
    figures["run 2: cp-0 (kubeadm upgrade apply, kubelet)"] = `${seconds(first.endedAtMs! - first.startedAtMs)}: ${firstOut.split("\n").pop()}`;
    expect(firstOut).toContain(`kubeadm v${TO} installed on cp-0`);
    expect(firstOut).toContain(`kubeadm upgrade apply v${TO} on cp-0`);
    expect(firstOut).toMatch(new RegExp(`cp-0 upgraded to v${TO} in \\d+ s`));
    expect(firstOut).toContain("quorum gate passed before upgrading cp-0");
    crashedAt = Date.now();
    await kt.tb.crash(h2);
    figures["run 2: h2 powered off during kubeadm upgrade node, after"] = seconds(crashedAt - run2Started);

    const step = await settledSince(from, "cp-1-upgrade", 120_000);
    expect(step.state).toBeUndefined();
    expect(step.error?.message).toMatch(/^Process exited with status 255/);
    await runQuiet(from, 5 * 60_000);
    // Nothing after the failed step started: cp-2 is untouched.
    expect(mocks.records.slice(from).filter((r) => /cp-2-upgrade$|cp-2-gate$/.test(r.name)).map((r) => r.name)).toEqual([]);
    // The packages came from the served repository, signature and all.
    expect(kt.manifestServer.requests).toEqual(expect.arrayContaining(["/v1.34/deb/Release.key", "/v1.34/deb/InRelease", `/v1.34/deb/kubeadm_${TO}-1.1_amd64.deb`]));
    await kt.tb.boot(h2);
    bootedAt = Date.now();
});

test(`run 3: the same program again: cp-1 resumes, cp-2 upgrades; all at v${TO}, Ready, the workload's object kept`, async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const quorum: QuorumReport = await outputOrFailure(mocks, from, newControlPlane(TO).quorum, 40 * 60_000);
    const samples = (await prober!.stop()) ?? [];
    prober = undefined;
    const ended = Date.now();
    figures["run 3: the rest of the upgrade"] = seconds(ended - started);
    figures["upgrade in all (run 2 start to run 3 end, power-off and boot included)"] = seconds(ended - run2Started);
    const steps = mocks.records.slice(from).filter((r) => r.type === "command:remote:Command");
    // Like the engine: cp-0's step, which succeeded, did not run again.
    expect(steps.filter((r) => /upgrade$|cp-2-gate$/.test(r.name) && !r.replayed).map((r) => r.name.replace(/^k8s-control-plane-/, ""))).toEqual([
        "cp-1-upgrade",
        "cp-2-upgrade",
        "cp-2-gate",
    ]);
    for (const name of ["cp-1-upgrade", "cp-2-upgrade"]) {
        const r = steps.find((s) => s.name.endsWith(name))!;
        figures[`run 3: ${name}`] = `${seconds(r.endedAtMs! - r.startedAtMs)}: ${String(r.state?.stdout ?? "").split("\n").pop()}`;
        expect(String(r.state?.stdout)).toMatch(new RegExp(`cp-\\d upgraded to v${TO} in \\d+ s`));
    }
    expect(String(steps.find((s) => s.name.endsWith("cp-2-upgrade"))!.state?.stdout)).toContain("kubeadm upgrade node on cp-2");

    const observed = quorum.observed as GateObservation;
    expect({ ok: observed.ok, problems: observed.problems }).toEqual({ ok: true, problems: [] });
    expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([0, 1, 2].map((i) => [`cp-${i}`, true, false]));
    expect(observed.nodes?.map((n) => [n.name, n.ready, n.kubeletVersion])).toEqual([0, 1, 2].map((i) => [`cp-${i}`, true, `v${TO}`]));
    expect(await nodeVersions(kubeconfig)).toEqual([0, 1, 2].map((i) => `cp-${i}=v${TO}`));
    const apiVersion = JSON.parse(await kt.kubectl(kubeconfig, ["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(apiVersion.serverVersion.gitVersion).toBe(`v${TO}`);
    expect((await kt.kubectl(kubeconfig, ["get", "configmap", "upgrade-witness", "-o", "jsonpath={.data.written-at}"])).trim()).toBe(FROM);
    // No node left cordoned; packages installed at the target and held on every machine.
    expect((await kt.kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].spec.unschedulable}"])).trim()).toBe("");
    for (const host of kt.nodes) {
        const packages = (await kt.tb.run(host, "dpkg-query -W -f='${Package}=${Version}\\n' kubeadm kubelet kubectl; apt-mark showhold")).trim().split("\n");
        expect(packages.sort()).toEqual(["kubeadm", `kubeadm=${TO}-1.1`, "kubectl", `kubectl=${TO}-1.1`, "kubelet", `kubelet=${TO}-1.1`]);
    }

    figures["API probes through the VIP, before the power-off"] = failures(samples, run2Started, crashedAt);
    figures["API probes, h2 off and booting"] = failures(samples, crashedAt, bootedAt + 60_000);
    figures["API probes, the rest of the upgrade"] = failures(samples, bootedAt + 60_000, ended);
    // The load balancer keeps the API answering while one control plane at a time restarts its API server: outside the
    // power-off, at most 2 % of the probes fail (those that reach an API server in the seconds before HAProxy's health
    // check marks it down).
    const outside = samples.filter((s) => s.atMs < crashedAt || s.atMs >= bootedAt + 60_000);
    expect(outside.filter((s) => !s.ok).length).toBeLessThanOrEqual(Math.ceil(outside.length * 0.02));
});

test(`run 4: kubernetesVersion back to ${FROM} is refused on cp-0 before anything changes`, async () => {
    const from = mocks.records.length;
    newControlPlane(FROM);
    const step = await settledSince(from, "cp-0-upgrade", 10 * 60_000);
    expect(step.error?.message).toContain(`upgrade of cp-0 to v${FROM}: the cluster runs v${TO}; v${FROM} would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to v${TO}.`);
    await runQuiet(from, 5 * 60_000);
    expect(mocks.records.slice(from).filter((r) => /cp-[12]-upgrade$|cp-2-gate$/.test(r.name)).map((r) => r.name)).toEqual([]);
    expect(await nodeVersions(kubeconfig)).toEqual([0, 1, 2].map((i) => `cp-${i}=v${TO}`));
});
