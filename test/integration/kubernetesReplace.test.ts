/**
 * Replacing the first control plane, on real kind-node-like hosts (h1-h3 control planes with stacked etcd, h4 a spare
 * machine, h5-h6 HAProxy + keepalived), under the executing mocks (real SSH), with the library's HostsControlPlane.
 *
 *   run 1: bring-up, cp-0 on h1; a ConfigMap is written as the workload's object.
 *   h1 is powered off for good (its disk, etcd member and Node left behind), while a client probes `/readyz` through
 *   the VIP every 200 ms.
 *   run 2: the plan gives cp-0 a new machine, h4. cp-0's step finds the cluster served by its peers and joins it
 *          instead of initialising a second one; before the join, the dead machine's etcd member and Node are
 *          removed (kubeadm's join would fail on an unhealthy member, and refuses a Node of its name that still looks
 *          Ready); the load balancers move to h4; the final gate sees 3 healthy voters, h4's among them. The cluster is
 *          the same one (kube-system UID), the ConfigMap is there, and the API answered throughout.
 * Powers a host off, so it runs after the other suites (test/integration/sequencer.js).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { GateObservation, QuorumReport } from "../../src/cluster/quorumReport";
import type { HostSpec } from "../../src/hosts";
import { ApiProber, startApiProber } from "./harness/apiProbe";
import { ExecutingMocks, outputOrFailure, setKubeSuiteMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";
import { upstreamBinary } from "./harness/upstreamCache";
import { execFile } from "node:child_process";

jest.setTimeout(40 * 60_000);

const PREFIX = process.env.TESTBED_KIND_PREFIX ?? "pkk";
let kt: KubeTestbed;
let mocks: ExecutingMocks;
let hostsModule: typeof import("../../src/hosts");
let prober: ApiProber | undefined;
let etcdDir: string | undefined;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];

function spec(hostIndex: number, name: string, domain: string): HostSpec {
    return kt.hostSpec(hostIndex, name, domain);
}

/** The program: cp-0 on the machine `firstHost` (h1 = 0, its replacement h4 = 3). */
function newControlPlane(firstHost: number) {
    return new hostsModule.HostsControlPlane("k8s", {
        clusterName: "it-replace",
        controlPlaneHosts: [spec(firstHost, "cp-0", domains[0]), spec(1, "cp-1", domains[1]), spec(2, "cp-2", domains[2])],
        loadBalancerHosts: [4, 5].map((i) => spec(i, `lb-${i - 4}`, domains[i - 4])),
        failureDomains: domains,
        ...kt.sharedArgs,
    });
}

function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
    const dir = etcdDir!;
    return new Promise((resolve, reject) =>
        execFile(
            upstreamBinary("etcd", undefined, "etcdctl"),
            [`--endpoints=${endpoint}`, `--cacert=${dir}/ca.crt`, `--cert=${dir}/client.crt`, `--key=${dir}/client.key`, "--dial-timeout=2s", "--command-timeout=5s", ...args],
            { timeout: 20_000 },
            (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        ),
    );
}

beforeAll(async () => {
    mocks = await setKubeSuiteMocks();
    hostsModule = await import("../../src/hosts");
    kt = await startKubeTestbed({ nodeCount: 4, loadBalancerCount: 2 });
    figures["test bed ready after"] = seconds(Date.now() - suiteStarted);
});

afterAll(async () => {
    await prober?.stop();
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    console.log(`replacing cp-0, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    if (etcdDir) rmSync(etcdDir, { recursive: true, force: true });
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

let kubeconfig = "";
let uid = "";

test("run 1: bring-up with cp-0 on h1", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane(0);
    const quorum: QuorumReport = await outputOrFailure(mocks, from, cp.quorum, 30 * 60_000);
    figures["run 1: bring-up"] = seconds(Date.now() - started);
    expect({ ok: quorum.observed?.ok, problems: quorum.observed?.problems }).toEqual({ ok: true, problems: [] });
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    uid = (await kt.kubectl(kubeconfig, ["get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"])).trim();
    await kt.kubectl(kubeconfig, ["create", "configmap", "replace-witness", "--from-literal=written-on=h1"]);
    etcdDir = mkdtempSync(path.join(tmpdir(), "pkh-etcd-client-"));
    for (const [remote, local] of [["ca.crt", "ca.crt"], ["healthcheck-client.crt", "client.crt"], ["healthcheck-client.key", "client.key"]]) {
        writeFileSync(path.join(etcdDir, local), await kt.tb.run(kt.tb.hosts[1], `cat /etc/kubernetes/pki/etcd/${remote}`), { mode: 0o600 });
    }
});

test("run 2: h1 powered off for good, cp-0 given h4: it joins the cluster, the dead member and Node are removed, 3 healthy voters", async () => {
    prober = startApiProber(kubeconfig, 200);
    const poweredOffAt = Date.now();
    await kt.tb.crash(kt.tb.hosts[0]);
    const from = mocks.records.length;
    const started = Date.now();
    const quorum: QuorumReport = await outputOrFailure(mocks, from, newControlPlane(3).quorum, 30 * 60_000);
    const ended = Date.now();
    const samples = await prober.stop();
    prober = undefined;
    figures["run 2: replacement (h4 prepared, joined, gates)"] = seconds(ended - started);

    const steps = mocks.records.slice(from).filter((r) => r.type === "command:remote:Command" && !r.replayed);
    const init = steps.find((r) => r.name.endsWith("cp-0-init"))!;
    const out = String(init.state?.stdout ?? "");
    figures["run 2: cp-0's step (join instead of init)"] = `${seconds(init.endedAtMs! - init.startedAtMs)}: ${out.split("\n").filter((l) => /instead of|removed etcd member|deleted Node|join done/.test(l)).join(" | ")}`;
    expect(out).toMatch(/cp-0 joins the cluster instead of initialising one: https:\/\/\S+:6443\/healthz already serves this cluster/);
    expect(out).toMatch(new RegExp(`removed etcd member cp-0 \\(https://${kt.tb.hosts[0].address.replace(/\./g, "\\.")}:2380, started\\): it belongs to no planned machine and does not answer`));
    expect(out).toContain("kubeadm join done on cp-0");
    // The machines that did not change are not prepared again; their joins (whose scripts name every planned address)
    // run again and find themselves joined; the load balancers follow cp-0 to h4.
    expect(steps.filter((r) => /cp-[12]-(ready|files)$/.test(r.name)).map((r) => r.name)).toEqual([]);
    expect(steps.filter((r) => /cp-[12]-join$/.test(r.name)).map((r) => /already joined/.test(String(r.state?.stdout)))).toEqual([true, true]);
    expect(steps.some((r) => /lb-0-haproxy$/.test(r.name))).toBe(true);

    const observed = quorum.observed as GateObservation;
    expect({ ok: observed.ok, problems: observed.problems }).toEqual({ ok: true, problems: [] });
    expect(observed.members.map((m) => [m.name, m.endpoint, m.healthy, m.isLearner])).toEqual([
        ["cp-0", `https://${kt.tb.hosts[3].address}:2379`, true, false],
        ["cp-1", `https://${kt.tb.hosts[1].address}:2379`, true, false],
        ["cp-2", `https://${kt.tb.hosts[2].address}:2379`, true, false],
    ]);
    const members = JSON.parse(await etcdctl(`https://${kt.tb.hosts[1].address}:2379`, "member", "list", "-w", "json")) as { members: { name: string; peerURLs: string[] }[] };
    expect(members.members.map((m) => `${m.name}=${m.peerURLs.join(",")}`).sort()).toEqual([1, 2, 3].map((i) => `cp-${i === 3 ? 0 : i}=https://${kt.tb.hosts[i].address}:2380`).sort());
    // The same cluster, its object kept, cp-0's Node now h4.
    expect((await kt.kubectl(kubeconfig, ["get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"])).trim()).toBe(uid);
    expect((await kt.kubectl(kubeconfig, ["get", "configmap", "replace-witness", "-o", "jsonpath={.data.written-on}"])).trim()).toBe("h1");
    expect((await kt.kubectl(kubeconfig, ["get", "node", "cp-0", "-o", 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).trim()).toBe(kt.tb.hosts[3].address);
    await kt.waitNodesReady(kubeconfig, ["cp-0", "cp-1", "cp-2"], 120_000);

    const failed = samples.filter((s) => !s.ok);
    figures["API probes through the VIP from the power-off to the end"] = `${failed.length} of ${samples.length} failed${failed.length ? ` (${[...new Set(failed.map((s) => s.error))].slice(0, 3).join("; ")})` : ""}`;
    figures["h1 powered off before run 2 started"] = seconds(started - poweredOffAt);
    // HAProxy marks the dead backend down within seconds; the API keeps answering through the two others.
    expect(failed.length).toBeLessThanOrEqual(5);
});
