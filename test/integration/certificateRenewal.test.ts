/**
 * Renewing kubeadm's certificates from `pulumi up`, on real kind-node-like hosts (h1-h3 control planes with stacked
 * etcd, h4 HAProxy + keepalived), under the executing mocks (real SSH), with the library's HostsControlPlane.
 *
 *   run 1: bring-up with `certificateValidityPeriod: "48h"` and the expiry report: every leaf certificate (and the
 *          served ones) expires within two days.
 *   run 2: `certificateValidityPeriod: "8760h"` and `certificateRenewal: { renewWithinDays: 30 }`, while a client probes
 *          `/readyz` through the VIP: each control plane in turn renews and restarts etcd, kube-apiserver,
 *          controller-manager and scheduler; afterwards every served certificate lasts a year, the kubeconfig output
 *          holds a renewed client certificate that works, etcd has 3 healthy voters and the nodes are Ready.
 *   fault: on cp-1, `kubeadm certs renew all` is run by hand and nothing restarted (a renewal cut short before its
 *          restarts).
 *   run 3: the same program again: cp-1's step finds its components older than their certificates and restarts them;
 *          cp-0 and cp-2 have nothing to do and restart nothing.
 */
import { execFile } from "node:child_process";
import type { CertificateExpiryReport } from "../../src/cluster/certificateExpiry";
import type { QuorumReport } from "../../src/cluster/quorumReport";
import type { HostSpec } from "../../src/hosts";
import { ApiProber, startApiProber } from "./harness/apiProbe";
import { ExecutingMocks, outputOrFailure, setKubeSuiteMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";

jest.setTimeout(40 * 60_000);

const PREFIX = process.env.TESTBED_KIND_PREFIX ?? "pkk";
const DAY_MS = 86_400_000;
let kt: KubeTestbed;
let mocks: ExecutingMocks;
let hostsModule: typeof import("../../src/hosts");
let prober: ApiProber | undefined;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();
let kubeconfig = "";
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];

function spec(hostIndex: number, name: string, domain: string): HostSpec {
    return kt.hostSpec(hostIndex, name, domain);
}

function newControlPlane(certificates: { certificateValidityPeriod: string; certificateRenewal?: { renewWithinDays: number } }) {
    return new hostsModule.HostsControlPlane("k8s", {
        clusterName: "it-renew",
        controlPlaneHosts: [0, 1, 2].map((i) => spec(i, `cp-${i}`, domains[i])),
        loadBalancerHosts: [spec(3, "lb-0", domains[0])],
        failureDomains: domains,
        reportCertificateExpiry: true,
        ...certificates,
        ...kt.sharedArgs,
    });
}

/** `notAfter` of the certificate a TLS server at host:port presents, in ms since the epoch. */
function servedNotAfter(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) =>
        execFile(
            "bash",
            ["-c", `openssl s_client -connect ${host}:${port} </dev/null 2>/dev/null | openssl x509 -noout -enddate | sed 's/^notAfter=//'`],
            { timeout: 20_000 },
            (err, stdout) => (err || !stdout.trim() ? reject(new Error(`no certificate served at ${host}:${port}: ${err?.message ?? ""}`)) : resolve(Date.parse(stdout.trim()))),
        ),
    );
}

/** `notAfter` of the client certificate in a kubeconfig, in ms since the epoch. */
function clientCertNotAfter(kubeconfig: string): Promise<number> {
    const data = /client-certificate-data:\s*(\S+)/.exec(kubeconfig)![1];
    return new Promise((resolve, reject) => {
        const child = execFile("openssl", ["x509", "-noout", "-enddate"], { timeout: 10_000 }, (err, stdout) =>
            err ? reject(err) : resolve(Date.parse(stdout.trim().replace(/^notAfter=/, ""))),
        );
        child.stdin!.end(Buffer.from(data, "base64"));
    });
}

/** The served certificates' expiry of each control plane's API server (6443) and etcd member (2379). */
async function servedExpiries(): Promise<number[]> {
    const hosts = kt.tb.hosts.slice(0, 3);
    return Promise.all(hosts.flatMap((h) => [servedNotAfter(h.address, 6443), servedNotAfter(h.address, 2379)]));
}

beforeAll(async () => {
    mocks = await setKubeSuiteMocks();
    hostsModule = await import("../../src/hosts");
    kt = await startKubeTestbed({ nodeCount: 3, loadBalancerCount: 1 });
    figures["test bed ready after"] = seconds(Date.now() - suiteStarted);
});

afterAll(async () => {
    await prober?.stop();
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    console.log(`certificate renewal, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

const renewalSteps = (from: number) =>
    mocks.records.slice(from).filter((r) => r.type === "command:remote:Command" && !r.replayed && r.name.endsWith("-certificate-renewal"));

test("run 1: bring-up with 48-hour certificates: every leaf, served certificate and the admin kubeconfig expires within 2 days", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane({ certificateValidityPeriod: "48h" });
    const quorum: QuorumReport = await outputOrFailure(mocks, from, cp.quorum, 30 * 60_000);
    figures["run 1: bring-up"] = seconds(Date.now() - started);
    expect({ ok: quorum.observed?.ok, problems: quorum.observed?.problems }).toEqual({ ok: true, problems: [] });
    const reports = (await outputValue(cp.certificateExpiry, 60_000)) as Record<string, CertificateExpiryReport>;
    for (const node of ["cp-0", "cp-1", "cp-2"]) {
        const leaf = Date.parse(reports[node].earliestLeaf!.notAfter);
        expect(leaf - Date.now()).toBeLessThan(2 * DAY_MS);
        expect(reports[node].earliestLeaf!.daysLeft).toBeLessThanOrEqual(1);
    }
    for (const expiry of await servedExpiries()) expect(expiry - Date.now()).toBeLessThan(2 * DAY_MS);
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    expect((await clientCertNotAfter(kubeconfig)) - Date.now()).toBeLessThan(2 * DAY_MS);
    expect(renewalSteps(from)).toEqual([]);
});

test("run 2: certificateRenewal renews each control plane in turn behind the gate; everything served lasts a year; the API answered", async () => {
    prober = startApiProber(kubeconfig, 200);
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane({ certificateValidityPeriod: "8760h", certificateRenewal: { renewWithinDays: 30 } });
    const reports = (await outputOrFailure(mocks, from, cp.certificateExpiry, 30 * 60_000)) as Record<string, CertificateExpiryReport>;
    const ended = Date.now();
    const samples = await prober.stop();
    prober = undefined;
    figures["run 2: renewal of 3 control planes"] = seconds(ended - started);

    const steps = renewalSteps(from);
    expect(steps.map((r) => r.name)).toEqual(["k8s-control-plane-cp-0-certificate-renewal", "k8s-control-plane-cp-1-certificate-renewal", "k8s-control-plane-cp-2-certificate-renewal"]);
    steps.forEach((step, i) => {
        const out = String(step.state?.stdout ?? "");
        figures[`run 2: ${step.name}`] = `${seconds(step.endedAtMs! - step.startedAtMs)}: ${out.split("\n").filter((l) => /^restarted/.test(l)).map((l) => l.replace(/^restarted (\S+) on \S+: healthy again after/, "$1")).join(", ")}`;
        expect(out).toContain(`quorum gate passed before renewing on cp-${i}`);
        expect(out).toContain(`renewed kubeadm's certificates on cp-${i}`);
        expect(out.match(/^restarted (\S+) on/gm)).toEqual([`restarted etcd on`, `restarted kube-apiserver on`, `restarted kube-controller-manager on`, `restarted kube-scheduler on`]);
        if (i > 0) expect(step.startedAtMs).toBeGreaterThanOrEqual(steps[i - 1].endedAtMs!);
        if (i === 0) expect(out).toContain("the cluster's kubeadm configuration now gives certificates 8760h (was 48h): upgrades and joins use it too");
    });

    for (const node of ["cp-0", "cp-1", "cp-2"]) {
        expect(reports[node].earliestLeaf!.daysLeft).toBeGreaterThanOrEqual(364);
        expect(reports[node].adminKubeconfig!.daysLeft).toBeGreaterThanOrEqual(364);
    }
    for (const expiry of await servedExpiries()) expect(expiry - Date.now()).toBeGreaterThan(364 * DAY_MS);
    const renewedKubeconfig = await outputValue(cp.kubeconfig, 60_000);
    expect((await clientCertNotAfter(renewedKubeconfig)) - Date.now()).toBeGreaterThan(364 * DAY_MS);
    const nodes = await kt.kubectl(renewedKubeconfig, ["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status} {end}"]);
    expect(nodes.trim().split(" ").sort()).toEqual(["cp-0=True", "cp-1=True", "cp-2=True"]);
    // kubeadm's own renewals (upgrades, joins, a hand-run `kubeadm certs renew`) now give a year too.
    expect(await kt.kubectl(renewedKubeconfig, ["-n", "kube-system", "get", "configmap", "kubeadm-config", "-o", "jsonpath={.data.ClusterConfiguration}"])).toMatch(/^certificateValidityPeriod: 8760h0m0s$/m);
    const quorum: QuorumReport = await outputValue(cp.quorum, 60_000);
    expect(quorum.observed?.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([["cp-0", true, false], ["cp-1", true, false], ["cp-2", true, false]]);

    const failed = samples.filter((s) => !s.ok);
    figures["run 2: /readyz probes through the VIP failed"] = `${failed.length} of ${samples.length}${failed.length ? ` (${[...new Set(failed.map((f) => f.error))].slice(0, 3).join("; ")})` : ""}`;
    expect(samples.length).toBeGreaterThan(100);
    expect(failed.length / samples.length).toBeLessThan(0.05);
    kubeconfig = renewedKubeconfig;
});

test("run 3 after a renewal cut short on cp-1 (renewed, nothing restarted): cp-1 restarts its components; cp-0 and cp-2 change nothing", async () => {
    // kubeadm renews from the cluster's configuration, which run 2 set to a year.
    await kt.tb.run(kt.tb.hosts[1], "kubeadm certs renew all >/dev/null 2>&1");
    const apiserverOnCp0 = (await kt.tb.run(kt.tb.hosts[0], "crictl -r unix:///run/containerd/containerd.sock ps -q --state running --name '^kube-apiserver$'")).trim();
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane({ certificateValidityPeriod: "8760h", certificateRenewal: { renewWithinDays: 30 } });
    await outputOrFailure(mocks, from, cp.certificateExpiry, 30 * 60_000);
    figures["run 3: the next update's renewal steps"] = seconds(Date.now() - started);
    const out = renewalSteps(from).map((r) => String(r.state?.stdout ?? ""));
    expect(out).toHaveLength(3);
    expect(out[0]).toContain("nothing to renew on cp-0");
    expect(out[2]).toContain("nothing to renew on cp-2");
    expect(out[1]).not.toContain("renewed kubeadm's certificates");
    expect(out[1].match(/^restarted (\S+) on/gm)).toEqual([`restarted etcd on`, `restarted kube-apiserver on`, `restarted kube-controller-manager on`, `restarted kube-scheduler on`]);
    expect((await kt.tb.run(kt.tb.hosts[0], "crictl -r unix:///run/containerd/containerd.sock ps -q --state running --name '^kube-apiserver$'")).trim()).toBe(apiserverOnCp0);
    expect((await kt.kubectl(kubeconfig, ["get", "--raw", "/readyz"])).trim()).toBe("ok");
});
