/**
 * The backup and restore drill on a real HA control plane with stacked etcd: the library's HostsControlPlane (under
 * the executing mocks: real SSH, real keys) brings up Kubernetes on kind-node-like hosts h1-h3 behind HAProxy +
 * keepalived on h4-h5, with scheduled etcd snapshots (`etcdBackup`). Then:
 *   - ConfigMaps A and B are written; the library's snapshot service runs on every voter in the same slot
 *     (`systemctl start` of the unit its timer starts): each keeps a verified local snapshot, and only the etcd leader
 *     uploads it, with rclone over SFTP to the load-balancer host h4 (a real remote); the test downloads it from
 *     there with rclone, as a user would; B is deleted and C created;
 *   - a restore from a corrupted copy of the snapshot (its sha256 confirmed, so only the checks on the machines can
 *     catch it) is refused before anything is stopped: the same etcd and kube-apiserver containers keep serving;
 *   - quorum is lost: cp-1 and cp-2 are powered off (writes fail) and their etcd data wiped, then booted;
 *   - the restore (`etcdRestore` with the snapshot and its sha256) brings the cluster back: A and B exist, C does
 *     not, a new object's resourceVersion is above every one seen before, etcd is a new cluster (new cluster ID) of
 *     3 healthy members, every node is Ready.
 * The mocks treat commands like the engine between updates (`replayState`, `rerunCommands: false`): the restore
 * update runs only the restore steps; the bring-up's steps, unchanged, are not run again.
 *
 * Runs on its own test bed (prefix pkr, network 10.218.0, state /tmp/pulumi-k8s-ha-restore unless TESTBED_KIND_*
 * say otherwise), so it can run beside the other Kubernetes suites.
 */
process.env.TESTBED_KIND_PREFIX ??= "pkr";
process.env.TESTBED_KIND_NET ??= "10.218.0";
process.env.TESTBED_KIND_STATE ??= "/tmp/pulumi-k8s-ha-restore";

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { GateObservation } from "../../src/cluster/quorumReport";
import type { HostSpec, HostsControlPlaneArgs } from "../../src/hosts";
import { ExecutingMocks, ResourceRecord, setKubeSuiteMocks } from "./harness/executingMocks";
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
let snapshot: { file: string; sha256: string; metadata: Record<string, unknown> };
let rcloneConfig: string;
let rcloneConfigFile: string;
const REMOTE_DIR = "/var/lib/drill-backups";
let maxResourceVersionSeen = 0;
const figures: Record<string, string> = {};
const suiteStarted = Date.now();

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const domains = ["rack-a", "rack-b", "rack-c"];

function spec(index: number, name: string): HostSpec {
    return kt.hostSpec(index, name, domains[index % 3]);
}

/** The program: the same component name every update, as `pulumi up` would register it again. */
function newControlPlane(extra: Partial<HostsControlPlaneArgs> = {}) {
    return new hostsModule.HostsControlPlane("k8s", {
        clusterName: "it-restore",
        controlPlaneHosts: [0, 1, 2].map((i) => spec(i, `cp-${i}`)),
        loadBalancerHosts: [3, 4].map((i) => spec(i, `lb-${i - 3}`)),
        failureDomains: domains,
        ...kt.sharedArgs,
        etcdBackup: { schedule: "hourly", retainCount: 5, rcloneRemote: `drill:${REMOTE_DIR}`, rcloneConfig: pulumi.secret(rcloneConfig) },
        reportCertificateExpiry: true,
        ...extra,
    });
}

const kubectl = (...args: string[]): Promise<string> => kt.kubectl(kubeconfig, args);
const host = (i: number) => kt.tb.hosts[i];

/** Records the resourceVersion kubectl printed for an object. */
async function seeResourceVersion(kind: string, name: string): Promise<number> {
    const rv = Number((await kubectl("get", kind, name, "-o", "jsonpath={.metadata.resourceVersion}")).trim());
    maxResourceVersionSeen = Math.max(maxResourceVersionSeen, rv);
    return rv;
}

/** The record of the step named `...${suffix}` registered since record `from`, once it settled. */
async function settledSince(from: number, suffix: string, timeoutMs: number): Promise<ResourceRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const found = mocks.records.slice(from).find((r) => r.name.endsWith(suffix) && r.endedAtMs !== undefined);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`step ${suffix} not settled within ${timeoutMs} ms`);
        await sleep(500);
    }
}

/** IDs of the running containers named `name` on a host (static pods: etcd, kube-apiserver). */
async function containers(i: number, name: string): Promise<string> {
    return (await kt.tb.run(host(i), `crictl -r unix:///run/containerd/containerd.sock ps -q --state running --name '^${name}$'`)).trim();
}

beforeAll(async () => {
    mocks = await setKubeSuiteMocks({ maxDialWaitMs: 180_000, onFailure: "hold" });
    hostsModule = await import("../../src/hosts");
    scratch = mkdtempSync(path.join(tmpdir(), "pkh-restore-"));
    kt = await startKubeTestbed({ nodeCount: 3, loadBalancerCount: 2 });
    // The remote: SFTP (OpenSSH's sftp subsystem) on the load-balancer host h4, with the test bed's key.
    rcloneConfig = [
        "[drill]",
        "type = sftp",
        `host = ${kt.tb.hosts[3].address}`,
        "user = root",
        `key_pem = ${kt.tb.privateKeyPem.trim().split("\n").join("\\n")}`,
        "shell_type = unix",
        "md5sum_command = none",
        "sha1sum_command = none",
        "",
    ].join("\n");
    rcloneConfigFile = path.join(scratch, "rclone.conf");
    writeFileSync(rcloneConfigFile, rcloneConfig, { mode: 0o600 });
    figures["test bed ready after"] = seconds(Date.now() - suiteStarted);
});

afterAll(async () => {
    figures["whole suite"] = seconds(Date.now() - suiteStarted);
    for (const r of mocks?.records.filter((x) => x.error !== undefined) ?? []) {
        // (the corrupted snapshot's verify steps fail on purpose)
        figures[`step failed: ${r.name}`] = ((r.error?.message ?? "").split("\n").filter(Boolean).pop() ?? "").slice(0, 300);
    }
    console.log(`etcd backup and restore drill, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await kt?.stop();
    expect(await testbedNamespaces(PREFIX)).toEqual([]);
});

test("bring-up with etcdBackup: every voter has the snapshot timer enabled and waiting", async () => {
    const started = Date.now();
    const cp = newControlPlane();
    const from = mocks.records.length;
    const quorum = await outputValue(cp.quorum, 30 * 60_000);
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    // Each join (a membership change) saved an etcd snapshot first, on the joining machine.
    for (const i of [1, 2]) {
        const join = String(mocks.records.slice(from).find((r) => r.name.endsWith(`cp-${i}-join`))?.state?.stdout ?? "");
        expect(join).toMatch(new RegExp(`etcd snapshot taken before cp-${i} joins: ${SNAPSHOT_DIR}/pre-join-cp-${i}-\\d{8}T\\d{6}Z\\.db \\(\\d+ bytes, from https://`));
        figures[`snapshot before cp-${i} joins`] = /etcd snapshot taken before .*/.exec(join)![0];
    }
    const backup = await outputValue(cp.etcdBackup, 60_000);
    figures["bring-up (whole program)"] = seconds(Date.now() - started);
    expect((quorum.observed as GateObservation).ok).toBe(true);
    bringUpClusterIds = (quorum.observed as GateObservation).clusterIds;
    expect(backup).toEqual({ schedule: "hourly", retainCount: 5, directory: SNAPSHOT_DIR, destination: `drill:${REMOTE_DIR}`, newest: { "cp-0": {}, "cp-1": {}, "cp-2": {} } });
    // The certificate report: kubeadm's one-year leaf certificates, the program's CAs, admin.conf, on every control plane.
    const certificates = await outputValue(cp.certificateExpiry, 60_000);
    expect(Object.keys(certificates ?? {})).toEqual(["cp-0", "cp-1", "cp-2"]);
    for (const [node, report] of Object.entries(certificates ?? {})) {
        expect(report.node).toBe(node);
        expect(report.earliestLeaf!.daysLeft).toBeGreaterThanOrEqual(363);
        expect(report.earliestLeaf!.daysLeft).toBeLessThanOrEqual(365);
        expect(report.ca!.daysLeft).toBeGreaterThan(report.earliestLeaf!.daysLeft);
        expect(report.adminKubeconfig!.daysLeft).toBeGreaterThanOrEqual(363);
    }
    figures["certificate expiry (cp-0)"] = JSON.stringify(certificates?.["cp-0"]);
    for (const i of [0, 1, 2]) {
        const state = (await kt.tb.run(host(i), `systemctl is-enabled ${SNAPSHOT_UNIT}.timer; systemctl is-active ${SNAPSHOT_UNIT}.timer; systemctl show -p NextElapseUSecRealtime --value ${SNAPSHOT_UNIT}.timer`)).trim().split("\n");
        expect(state.slice(0, 2)).toEqual(["enabled", "active"]);
        expect(state[2]).toMatch(/\d\d:00:00/); // the next full hour
    }
});

test("A and B written; the snapshot service runs on every voter: verified local snapshots, one upload (the leader's) over SFTP; then B deleted, C created", async () => {
    await kubectl("create", "configmap", "drill-a", "--from-literal=value=a");
    await kubectl("create", "configmap", "drill-b", "--from-literal=value=b");
    await seeResourceVersion("configmap", "drill-a");
    await seeResourceVersion("configmap", "drill-b");

    // One schedule slot: the timer fires on every voter at once; `systemctl start` of a oneshot returns when it ended.
    const started = Date.now();
    await Promise.all([0, 1, 2].map((i) => kt.tb.run(host(i), `systemctl start ${SNAPSHOT_UNIT}.service`)));
    figures["snapshot slot on 3 voters (save + verify + metadata + upload by the leader)"] = seconds(Date.now() - started);
    const local = await Promise.all(
        [0, 1, 2].map(async (i) => {
            expect((await kt.tb.run(host(i), `systemctl show -p Result --value ${SNAPSHOT_UNIT}.service`)).trim()).toBe("success");
            expect((await kt.tb.run(host(i), `stat -c %a ${SNAPSHOT_DIR} /etc/pulumi-k8s-ha/rclone.conf`)).trim().split("\n")).toEqual(["700", "600"]);
            const name = (await kt.tb.run(host(i), `ls ${SNAPSHOT_DIR} | grep '\\.json$' | sort | tail -n 1`)).trim();
            return JSON.parse(await kt.tb.run(host(i), `cat ${SNAPSHOT_DIR}/${name}`)) as Record<string, unknown>;
        }),
    );
    local.forEach((metadata, i) => {
        expect(metadata).toMatchObject({ cluster: "it-restore", member: `cp-${i}`, etcdVersion: "3.6.5" });
        expect(metadata.name as string).toMatch(new RegExp(`^it-restore-cp-${i}-\\d{8}T\\d{6}Z$`));
        expect(metadata.revision as number).toBeGreaterThanOrEqual(maxResourceVersionSeen);
        expect(metadata.time as string).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });
    const leaders = local.filter((m) => m.leader === true);
    expect(leaders).toHaveLength(1);
    const uploaded = leaders[0];
    // Exactly one copy of the slot upstream: the leader's snapshot and its metadata.
    const remoteFiles = (await kt.tb.run(host(3), `ls ${REMOTE_DIR}`)).trim().split("\n").sort();
    expect(remoteFiles).toEqual([`${uploaded.name}.db`, `${uploaded.name}.json`]);
    expect(JSON.parse(await kt.tb.run(host(3), `cat ${REMOTE_DIR}/${uploaded.name}.json`))).toEqual(uploaded);

    // The user's side of a restore: download from the remote with rclone, check the sha256 against the metadata.
    const downloadStarted = Date.now();
    await new Promise<void>((resolve, reject) =>
        execFile("rclone", ["--config", rcloneConfigFile, "copy", `drill:${REMOTE_DIR}/${uploaded.name}.db`, scratch], { timeout: 60_000 }, (err, _o, stderr) =>
            err ? reject(new Error(`rclone copy: ${err.message}\n${stderr}`)) : resolve(),
        ),
    );
    figures["download from the remote (rclone, SFTP)"] = seconds(Date.now() - downloadStarted);
    const file = path.join(scratch, `${uploaded.name}.db`);
    const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(sha256).toBe(uploaded.sha256);
    expect(readFileSync(file).length).toBe(uploaded.sizeBytes);
    snapshot = { file, sha256, metadata: uploaded };
    figures["snapshot"] = `${((uploaded.sizeBytes as number) / 1024 / 1024).toFixed(2)} MiB, revision ${uploaded.revision}, ${uploaded.totalKeys} keys, saved in ${uploaded.saveSeconds} s, from ${uploaded.member} (the leader)`;

    await kubectl("delete", "configmap", "drill-b");
    await kubectl("create", "configmap", "drill-c", "--from-literal=value=c");
    await seeResourceVersion("configmap", "drill-c");
});

test("a corrupted snapshot (its sha256 confirmed) is refused on the machines before anything is stopped", async () => {
    const bad = path.join(scratch, "corrupted.db");
    const bytes = readFileSync(snapshot.file);
    // One flipped bit in the sha256 etcdctl appends: the database itself still reads (`etcdutl snapshot status`
    // passes), only the trial restore's integrity check can tell.
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(bad, bytes);
    const badSha = createHash("sha256").update(bytes).digest("hex");
    const before = await Promise.all([0, 1, 2].map(async (i) => [await containers(i, "etcd"), await containers(i, "kube-apiserver")]));
    const from = mocks.records.length;
    newControlPlane({ etcdRestore: { snapshotFile: bad, confirmSha256: badSha } }); // holds at the failed verify steps
    const verified = await Promise.all([0, 1, 2].map((i) => settledSince(from, `cp-${i}-restore-verify`, 5 * 60_000)));
    figures["corrupted snapshot refused after"] = seconds(Math.max(...verified.map((r) => r.endedAtMs!)) - Math.min(...mocks.records.slice(from).filter((r) => r.name.includes("-restore-")).map((r) => r.startedAtMs)));
    verified.forEach((step, i) => {
        // The refusal as the machine printed it (the command text holds the message unexpanded).
        const said = (step.error?.message ?? "").split("\n").filter((line) => line.startsWith(`etcd restore refused on h${i + 1}:`));
        expect(said).toHaveLength(1);
        expect(said[0]).toContain("the snapshot fails etcd's integrity check");
        expect(said[0]).toContain("Nothing was stopped.");
    });
    await sleep(3000);
    expect(mocks.records.slice(from).filter((r) => /restore-(stop|data|start|gate|etcd-gate)/.test(r.name))).toEqual([]);
    const after = await Promise.all([0, 1, 2].map(async (i) => [await containers(i, "etcd"), await containers(i, "kube-apiserver")]));
    expect(after).toEqual(before);
    expect((await kubectl("get", "configmap", "drill-c", "-o", "jsonpath={.data.value}")).trim()).toBe("c");
});

test("quorum lost: cp-1 and cp-2 powered off (writes fail) and their etcd data wiped", async () => {
    await Promise.all([kt.tb.crash(host(1)), kt.tb.crash(host(2))]);
    const write = await kt.kubectl(kubeconfig, ["create", "configmap", "drill-during-loss", "--from-literal=value=x"], 40_000).then(
        () => "written",
        (e: Error) => e.message,
    );
    expect(write).not.toBe("written");
    for (const h of ["h2", "h3"]) {
        // The host's disk is its overlay's upper directory: the member's data is gone as with a dead disk.
        rmSync(path.join(STATE, "hosts", h, "upper/var/lib/etcd/member"), { recursive: true, force: false });
        // This machine's root shell profile runs `pyenv rehash` on every SSH login; a power-off during one leaves its
        // lock on the host's disk, and every later login would wait 60 s for it. Not part of what is tested.
        rmSync(path.join(STATE, "hosts", h, "upper/root/.pyenv/shims/.pyenv-shim"), { force: true });
    }
    await Promise.all([kt.tb.boot(host(1)), kt.tb.boot(host(2))]);
    figures["writes during quorum loss"] = write.split("\n")[0].slice(0, 160);
});

test("restore from the snapshot: A and B exist, C does not, new resourceVersions are above every one seen, a new etcd cluster of 3, nodes Ready", async () => {
    const from = mocks.records.length;
    const started = Date.now();
    const cp = newControlPlane({ etcdRestore: { snapshotFile: snapshot.file, confirmSha256: snapshot.sha256 } });
    const observed = (await outputValue(cp.etcdRestore, 20 * 60_000)) as GateObservation;
    const restoreMs = Date.now() - started;
    figures["restore (whole update: copy, verify, stop, restore, start, gates)"] = seconds(restoreMs);
    const steps = mocks.records.slice(from).filter((r) => r.type.startsWith("command:") && !r.replayed && r.endedAtMs !== undefined);
    for (const r of steps) figures[`restore step ${r.name.replace(/^k8s-control-plane-/, "")}`] = seconds(r.endedAtMs! - r.startedAtMs);
    // Only the restore ran (every bring-up step was unchanged), and none of its steps failed.
    // (The workers' token is refreshed by every update, after the restore's final gate.)
    // The backup steps run at every update too, after the restore's final gate (they change nothing in place).
    expect(steps.filter((r) => !r.name.includes("-restore-") && !r.name.endsWith("-worker-token") && !r.name.endsWith("-etcd-backup")).map((r) => r.name)).toEqual([]);
    expect(steps.filter((r) => r.error !== undefined).map((r) => r.name)).toEqual([]);
    expect(observed.ok).toBe(true);
    expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([
        ["cp-0", true, false],
        ["cp-1", true, false],
        ["cp-2", true, false],
    ]);
    expect(observed.clusterIds).toHaveLength(1);
    expect(observed.clusterIds).not.toEqual(bringUpClusterIds);
    expect(observed.apiServerReadyz).toBe("ok");

    const readyMs = await kt.waitNodesReady(kubeconfig, ["cp-0", "cp-1", "cp-2"], 300_000);
    figures["back to Ready (all nodes, after the restore update ended)"] = seconds(readyMs);
    figures["restore start to all nodes Ready"] = seconds(Date.now() - started);
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
    // The old data directory is kept beside the restored one on every member.
    for (const i of [0, 1, 2]) expect((await kt.tb.run(host(i), "ls -d /var/lib/etcd.before-restore-* | wc -l")).trim()).toBe("1");
});

test("the restore steps run once: run again on a machine, each finds its record and does nothing", async () => {
    const scripts = await import("../../src/bootstrap/scripts");
    const data = scripts.etcdRestoreDataScript({
        sha256: snapshot.sha256,
        memberName: "cp-1",
        peerUrl: `https://${host(1).address}:2380`,
        initialCluster: [0, 1, 2].map((i) => `cp-${i}=https://${host(i).address}:2380`).join(","),
        clusterToken: scripts.restoredClusterToken("it-restore", snapshot.sha256),
        bumpRevision: 1_000_000_000,
        target: "stacked-etcd",
    });
    const etcdBefore = await containers(1, "etcd");
    const r = await kt.tb.ssh(host(1), scripts.asRootCommand(data));
    expect({ code: r.code, said: r.stderr.includes("step restore-data already done") }).toEqual({ code: 0, said: true });
    expect(await containers(1, "etcd")).toBe(etcdBefore);
});
