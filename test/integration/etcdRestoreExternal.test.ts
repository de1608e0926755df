/**
 * The backup and restore drill with an external etcd tier: the library's HostsControlPlane (executing mocks: real
 * SSH, real keys) runs etcd 3.6 with its own systemd unit on h1-h3 (`etcdBackup` puts the snapshot timer there),
 * two kubeadm control planes on h4-h5 and HAProxy + keepalived on h6-h7. A and B are written, the library's snapshot
 * service runs on every member, B is deleted and C created; etcd-1 and etcd-2 are powered off (quorum lost) and their
 * data wiped; `etcdRestore` restores the tier from etcd-0's snapshot while the control planes' API servers are
 * stopped: A and B exist, C does not, resourceVersions went up, a new etcd cluster of 3, both nodes Ready.
 *
 * Same test bed defaults as etcdRestore.test.ts (prefix pkr, network 10.218.0): run them one after the other.
 */
process.env.TESTBED_KIND_PREFIX ??= "pkr";
process.env.TESTBED_KIND_NET ??= "10.218.0";
process.env.TESTBED_KIND_STATE ??= "/tmp/pulumi-k8s-ha-restore";

import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { GateObservation } from "../../src/cluster/quorumReport";
import type { HostSpec, HostsControlPlaneArgs } from "../../src/hosts";
import { ExecutingMocks, setKubeSuiteMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";

jest.setTimeout(40 * 60_000);

const PREFIX = process.env.TESTBED_KIND_PREFIX;
const STATE = process.env.TESTBED_KIND_STATE as string;
const SNAPSHOT_DIR = "/var/lib/pulumi-k8s-ha/etcd-snapshots";
const SNAPSHOT_UNIT = "pulumi-k8s-ha-etcd-snapshot";
let kt: KubeTestbed;
let mocks: ExecutingMocks;
let hostsModule: typeof import("../../src/hosts");
let kubeconfig: string;
let scratch: string;
let bringUpClusterIds: string[] = [];
let snapshot: { file: string; sha256: string };
let maxResourceVersionSeen = 0;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];
const host = (i: number) => kt.tb.hosts[i];

function spec(index: number, name: string, domain: string): HostSpec {
    return kt.hostSpec(index, name, domain);
}

function newControlPlane(extra: Partial<HostsControlPlaneArgs> = {}) {
    return new hostsModule.HostsControlPlane("ext", {
        clusterName: "it-restore-ext",
        etcdTopology: "external",
        etcdHosts: [0, 1, 2].map((i) => spec(i, `etcd-${i}`, domains[i])),
        controlPlaneHosts: [3, 4].map((i) => spec(i, `cp-${i - 3}`, domains[i - 3])),
        loadBalancerHosts: [5, 6].map((i) => spec(i, `lb-${i - 5}`, domains[i - 5])),
        failureDomains: domains,
        ...kt.sharedArgs,
        etcdBackup: { schedule: "daily", retainCount: 3 },
        ...extra,
    });
}

const kubectl = (...args: string[]): Promise<string> => kt.kubectl(kubeconfig, args);

async function seeResourceVersion(name: string): Promise<void> {
    const rv = Number((await kubectl("get", "configmap", name, "-o", "jsonpath={.metadata.resourceVersion}")).trim());
    maxResourceVersionSeen = Math.max(maxResourceVersionSeen, rv);
}

beforeAll(async () => {
    mocks = await setKubeSuiteMocks({ maxDialWaitMs: 180_000, onFailure: "hold" });
    hostsModule = await import("../../src/hosts");
    scratch = mkdtempSync(path.join(tmpdir(), "pkh-restore-ext-"));
    kt = await startKubeTestbed({ nodeCount: 5, loadBalancerCount: 2 });
});

afterAll(async () => {
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    for (const r of mocks?.records.filter((x) => x.error !== undefined) ?? []) {
        figures[`step failed: ${r.name}`] = ((r.error?.message ?? "").split("\n").filter(Boolean).pop() ?? "").slice(0, 300);
    }
    console.log(`external etcd backup and restore drill, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

test("bring-up with etcdBackup: the snapshot timer runs on the etcd tier, not on the control planes", async () => {
    const started = Date.now();
    const cp = newControlPlane();
    const quorum = await outputValue(cp.quorum, 30 * 60_000);
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    const backup = await outputValue(cp.etcdBackup, 120_000);
    figures["bring-up (whole program)"] = seconds(Date.now() - started);
    expect((quorum.observed as GateObservation).ok).toBe(true);
    bringUpClusterIds = (quorum.observed as GateObservation).clusterIds;
    expect(backup).toMatchObject({ schedule: "daily", retainCount: 3, destination: "", newest: { "etcd-0": {}, "etcd-1": {}, "etcd-2": {} } });
    for (const i of [0, 1, 2]) expect((await kt.tb.run(host(i), `systemctl is-active ${SNAPSHOT_UNIT}.timer`)).trim()).toBe("active");
    for (const i of [3, 4]) expect((await kt.tb.ssh(host(i), `systemctl is-active ${SNAPSHOT_UNIT}.timer`)).stdout.trim()).not.toBe("active");
});

test("A and B written, a snapshot slot on the tier, B deleted and C created", async () => {
    await kubectl("create", "configmap", "drill-a", "--from-literal=value=a");
    await kubectl("create", "configmap", "drill-b", "--from-literal=value=b");
    await seeResourceVersion("drill-a");
    await seeResourceVersion("drill-b");
    const started = Date.now();
    await Promise.all([0, 1, 2].map((i) => kt.tb.run(host(i), `systemctl start ${SNAPSHOT_UNIT}.service`)));
    figures["snapshot slot on 3 members"] = seconds(Date.now() - started);
    const name = (await kt.tb.run(host(0), `ls ${SNAPSHOT_DIR} | grep '\\.db$' | sort | tail -n 1`)).trim();
    const metadata = JSON.parse(await kt.tb.run(host(0), `cat ${SNAPSHOT_DIR}/${name.replace(/\.db$/, ".json")}`)) as Record<string, unknown>;
    expect(metadata).toMatchObject({ cluster: "it-restore-ext", member: "etcd-0", etcdVersion: "3.6.5" });
    expect(metadata.revision as number).toBeGreaterThanOrEqual(maxResourceVersionSeen);
    const file = path.join(scratch, name);
    const bytes = Buffer.from((await kt.tb.run(host(0), `base64 -w0 ${SNAPSHOT_DIR}/${name}`)).trim(), "base64");
    writeFileSync(file, bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(sha256).toBe(metadata.sha256);
    snapshot = { file, sha256 };
    figures["snapshot"] = `${((metadata.sizeBytes as number) / 1024 / 1024).toFixed(2)} MiB, revision ${metadata.revision}`;
    await kubectl("delete", "configmap", "drill-b");
    await kubectl("create", "configmap", "drill-c", "--from-literal=value=c");
    await seeResourceVersion("drill-c");
});

test("quorum lost: etcd-1 and etcd-2 powered off (writes fail), their data wiped, booted", async () => {
    await Promise.all([kt.tb.crash(host(1)), kt.tb.crash(host(2))]);
    const write = await kt.kubectl(kubeconfig, ["create", "configmap", "drill-during-loss", "--from-literal=value=x"], 40_000).then(
        () => "written",
        (e: Error) => e.message,
    );
    expect(write).not.toBe("written");
    for (const h of ["h2", "h3"]) {
        rmSync(path.join(STATE, "hosts", h, "upper/var/lib/etcd/data/member"), { recursive: true, force: false });
        // a power-off during an SSH login leaves this machine's `pyenv rehash` lock behind (see etcdRestore.test.ts)
        rmSync(path.join(STATE, "hosts", h, "upper/root/.pyenv/shims/.pyenv-shim"), { force: true });
    }
    await Promise.all([kt.tb.boot(host(1)), kt.tb.boot(host(2))]);
});

test("restore of the tier: A and B exist, C does not, resourceVersions went up, a new etcd cluster of 3, nodes Ready", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane({ etcdRestore: { snapshotFile: snapshot.file, confirmSha256: snapshot.sha256 } });
    const observed = (await outputValue(cp.etcdRestore, 20 * 60_000)) as GateObservation;
    figures["restore (whole update)"] = seconds(Date.now() - started);
    const steps = mocks.records.slice(from).filter((r) => r.type.startsWith("command:") && !r.replayed && r.endedAtMs !== undefined);
    for (const r of steps) figures[`restore step ${r.name.replace(/^ext-control-plane-/, "")}`] = seconds(r.endedAtMs! - r.startedAtMs);
    // Besides the restore: the workers' token, refreshed by every update after the restore's final gate, and the tier's
    // backup steps, which run at every update (they change nothing in place, and read the newest snapshot).
    expect(steps.filter((r) => !r.name.includes("-restore-") && !r.name.endsWith("-worker-token") && !r.name.endsWith("-etcd-backup")).map((r) => r.name)).toEqual([]);
    expect(steps.filter((r) => r.error !== undefined).map((r) => r.name)).toEqual([]);
    expect(observed.ok).toBe(true);
    expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([
        ["etcd-0", true, false],
        ["etcd-1", true, false],
        ["etcd-2", true, false],
    ]);
    expect(observed.clusterIds).toHaveLength(1);
    expect(observed.clusterIds).not.toEqual(bringUpClusterIds);
    expect(observed.apiServerReadyz).toBe("ok");
    figures["back to Ready after the restore update"] = seconds(await kt.waitNodesReady(kubeconfig, ["cp-0", "cp-1"], 300_000));
    expect((await kubectl("get", "configmap", "drill-a", "-o", "jsonpath={.data.value}")).trim()).toBe("a");
    expect((await kubectl("get", "configmap", "drill-b", "-o", "jsonpath={.data.value}")).trim()).toBe("b");
    const c = await kubectl("get", "configmap", "drill-c").then(
        () => "exists",
        (e: Error) => (e.message.includes("NotFound") ? "NotFound" : e.message),
    );
    expect(c).toBe("NotFound");
    await kubectl("create", "configmap", "drill-d", "--from-literal=value=d");
    const rv = Number((await kubectl("get", "configmap", "drill-d", "-o", "jsonpath={.metadata.resourceVersion}")).trim());
    figures["resourceVersion: highest seen before / first new one"] = `${maxResourceVersionSeen} / ${rv}`;
    expect(rv).toBeGreaterThan(maxResourceVersionSeen);
    for (const i of [0, 1, 2]) expect((await kt.tb.run(host(i), "ls -d /var/lib/etcd/data.before-restore-* | wc -l")).trim()).toBe("1");
});
