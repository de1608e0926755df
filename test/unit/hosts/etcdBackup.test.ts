/**
 * `etcdBackup` and `etcdRestore` on HostsControlPlane (stacked and external etcd): validation at preview time with
 * the field named, the children and their order, and secrets only on standard input.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArgumentError } from "../../../src/cluster/argumentError";
import type { HostsControlPlaneArgs } from "../../../src/hosts/args";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { installRecordingMocks, isSecretInput, named, ofType, outputValue, Registration, unwrapSecret } from "../support/recordingMocks";
import { hostSpecs, validArgs } from "./support";

jest.setTimeout(60_000);

let registrations: Registration[];
let hosts: typeof import("../../../src/hosts");
let scratch: string;
let snapshotFile: string;
let snapshotSha: string;

beforeAll(async () => {
  registrations = await installRecordingMocks();
  hosts = await import("../../../src/hosts");
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-restore-args-"));
  snapshotFile = path.join(scratch, "prod-cp-0-20260101T000000Z.db");
  fs.writeFileSync(snapshotFile, "a snapshot");
  snapshotSha = createHash("sha256").update("a snapshot").digest("hex");
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => registrations.splice(0));

const RCLONE_CONFIG = "[backup]\ntype = s3\nsecret_access_key = FAKE-RCLONE-SECRET\n";
const commands = () => ofType(registrations, "command:remote:Command");
const scriptOf = (name: string) => scriptOfRootCommand(String(named(registrations, name).inputs.create));

describe("validation: ArgumentError naming the field, before anything registers", () => {
  const cases: [string, () => Partial<HostsControlPlaneArgs>, string, string | (() => string)][] = [
    ["schedule with a quote", () => ({ etcdBackup: { schedule: "hourly'; rm -rf /" } }), "etcdBackup.schedule", `"hourly'; rm -rf /" is not a systemd calendar expression. Use e.g. "hourly", "daily" or "*-*-* 00/6:00:00".`],
    ["blank schedule", () => ({ etcdBackup: { schedule: " " } }), "etcdBackup.schedule", "is not a systemd calendar expression"],
    ["no snapshots kept", () => ({ etcdBackup: { retainCount: 0 } }), "etcdBackup.retainCount", "0 must be a whole number from 1 to 10000 (snapshots kept on each voter)."],
    ["fractional retention", () => ({ etcdBackup: { retainCount: 2.5 } }), "etcdBackup.retainCount", "2.5 must be a whole number"],
    ["relative directory", () => ({ etcdBackup: { directory: "snapshots" } }), "etcdBackup.directory", `"snapshots" must be an absolute path of letters, digits, '.', '_', '-' and '/'.`],
    ["directory climbing out", () => ({ etcdBackup: { directory: "/var/lib/../../etc" } }), "etcdBackup.directory", "must be an absolute path"],
    ["remote without a colon", () => ({ etcdBackup: { rcloneRemote: "my-bucket/etcd", rcloneConfig: RCLONE_CONFIG } }), "etcdBackup.rcloneRemote", `"my-bucket/etcd" is not an rclone destination. Give "remote:path" with the remote defined in rcloneConfig, e.g. "backup:my-bucket/etcd".`],
    ["remote without config", () => ({ etcdBackup: { rcloneRemote: "backup:bucket" } }), "etcdBackup.rcloneConfig", "is required with rcloneRemote."],
    ["config without remote", () => ({ etcdBackup: { rcloneConfig: RCLONE_CONFIG } }), "etcdBackup.rcloneConfig", "is only used with rcloneRemote."],
    ["installRclone without remote", () => ({ etcdBackup: { installRclone: true } }), "etcdBackup.installRclone", "is only used with rcloneRemote. Remove it or give rcloneRemote."],
    ["installRclone not a boolean", () => ({ etcdBackup: { rcloneRemote: "backup:bucket", rcloneConfig: RCLONE_CONFIG, installRclone: "yes" as unknown as boolean } }), "etcdBackup.installRclone", `"yes" must be true or false.`],
    ["missing snapshot file", () => ({ etcdRestore: { snapshotFile: path.join(scratch, "nope.db"), confirmSha256: snapshotSha } }), "etcdRestore.snapshotFile", "is not a file on this machine. Copy the snapshot here first"],
    ["confirmation not a sha256", () => ({ etcdRestore: { snapshotFile, confirmSha256: "yes" } }), "etcdRestore.confirmSha256", `"yes" is not a sha256. Give the snapshot's sha256`],
    ["confirmation of another file", () => ({ etcdRestore: { snapshotFile, confirmSha256: "0".repeat(64) } }), "etcdRestore.confirmSha256", () => `does not match ${snapshotFile} (its sha256 is ${snapshotSha}): wrong or damaged snapshot file. Nothing was changed.`],
    ["no revision bump", () => ({ etcdRestore: { snapshotFile, confirmSha256: snapshotSha, bumpRevision: 0 } }), "etcdRestore.bumpRevision", "0 must be a positive whole number (e.g. 1000000000)."],
  ];
  test.each(cases)("%s", (_label, overrides, field, message) => {
    let error: unknown;
    try {
      new hosts.HostsControlPlane("bad", validArgs(overrides()));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArgumentError);
    const argumentError = error as InstanceType<typeof ArgumentError>;
    expect(argumentError.field).toBe(field);
    expect(argumentError.message.startsWith(`HostsControlPlane bad: ${field}: `)).toBe(true);
    expect(argumentError.message).toContain(typeof message === "function" ? message() : message);
    expect(registrations).toEqual([]);
  });

  test("the defaults and a full setting pass", () => {
    expect(() => hosts.validateHostsControlPlaneArgs("ok", validArgs({ etcdBackup: {} }))).not.toThrow();
    expect(() =>
      hosts.validateHostsControlPlaneArgs("ok", validArgs({
        etcdBackup: { schedule: "*-*-* 00/6:00:00", retainCount: 48, directory: "/srv/etcd-snapshots", rcloneRemote: "backup:bucket/prod", rcloneConfig: RCLONE_CONFIG },
        etcdRestore: { snapshotFile, confirmSha256: snapshotSha },
      })),
    ).not.toThrow();
  });
});

describe("scheduled snapshots", () => {
  test("without etcdBackup: no backup step, the output is undefined", async () => {
    const cluster = new hosts.HostsControlPlane("none", validArgs());
    await outputValue(cluster.quorum);
    expect(commands().filter((c) => c.name.includes("etcd-backup"))).toEqual([]);
    expect(await outputValue(cluster.etcdBackup)).toBeUndefined();
  });

  test("the backup steps run again at every update (their trigger is the update's time), so the newest snapshot is read each time", async () => {
    await outputValue(new hosts.HostsControlPlane("readagain", validArgs({ etcdBackup: {} })).etcdBackup);
    const triggers = ["cp-0", "cp-1", "cp-2"].map((n) => named(registrations, `readagain-control-plane-${n}-etcd-backup`).inputs.triggers as string[]);
    expect(new Set(triggers.map((t) => t[0])).size).toBe(1);
    expect(Date.now() - Date.parse(triggers[0][0])).toBeLessThan(60_000);
  });

  test("each join (a membership change) saves an etcd snapshot first into the snapshots directory; none without etcdBackup", async () => {
    const cluster = new hosts.HostsControlPlane("prejoin", validArgs({ etcdBackup: { directory: "/srv/etcd-snapshots" } }));
    await outputValue(cluster.quorum);
    for (const name of ["prejoin-control-plane-cp-1-join", "prejoin-control-plane-cp-2-join"]) {
      expect(scriptOf(name)).toContain("readonly PRE_JOIN_SNAPSHOT_DIR='/srv/etcd-snapshots'");
    }
    registrations.splice(0);
    await outputValue(new hosts.HostsControlPlane("nojoinsnap", validArgs()).quorum);
    expect(scriptOf("nojoinsnap-control-plane-cp-1-join")).toContain("readonly PRE_JOIN_SNAPSHOT_DIR=''");
  });

  test("stacked: one step per control plane after the final gate, installing the program for its own member; rclone's configuration only on standard input", async () => {
    const cluster = new hosts.HostsControlPlane("bk", validArgs({ etcdBackup: { rcloneRemote: "backup:bucket/prod", rcloneConfig: RCLONE_CONFIG } }));
    const report = await outputValue(cluster.etcdBackup);
    const steps = commands().filter((c) => c.name.endsWith("-etcd-backup")).map((c) => c.name);
    expect(steps).toEqual(["bk-control-plane-cp-0-etcd-backup", "bk-control-plane-cp-1-etcd-backup", "bk-control-plane-cp-2-etcd-backup"]);
    const finalGate = named(registrations, "bk-control-plane-cp-2-gate");
    for (const name of steps) {
      expect(named(registrations, name).arrived).toBeGreaterThan(finalGate.resolved!);
      expect(isSecretInput(named(registrations, name).inputs.stdin)).toBe(true);
      expect(unwrapSecret(named(registrations, name).inputs.stdin)).toBe(RCLONE_CONFIG);
    }
    for (const command of commands()) expect(JSON.stringify(command.inputs.create)).not.toContain("FAKE-RCLONE-SECRET");
    const program = Buffer.from(/^readonly PROGRAM_B64='([^']*)'$/m.exec(scriptOf("bk-control-plane-cp-1-etcd-backup"))![1], "base64").toString();
    expect(program).toContain("readonly MEMBER='cp-1'");
    expect(program).toContain("readonly ENDPOINT='https://192.168.1.11:2379'");
    expect(program).toContain("readonly CERT_FILE='/etc/kubernetes/pki/etcd/healthcheck-client.crt'");
    expect(program).toContain("readonly RCLONE_REMOTE='backup:bucket/prod'");
    expect(program).toContain("readonly RETAIN='24'");
    expect(scriptOf("bk-control-plane-cp-1-etcd-backup")).toContain("readonly SCHEDULE='hourly'");
    expect(report).toMatchObject({ schedule: "hourly", retainCount: 24, directory: "/var/lib/pulumi-k8s-ha/etcd-snapshots", destination: "backup:bucket/prod" });
    expect(Object.keys(report!.newest)).toEqual(["cp-0", "cp-1", "cp-2"]);
  });

  test("external etcd: the steps run on the etcd tier with the members' own certificates, after the tier's gate; none on the control planes", async () => {
    const cluster = new hosts.HostsControlPlane("ext", validArgs({ etcdTopology: "external", etcdHosts: hostSpecs("etcd", 3, 3), etcdBackup: { schedule: "daily", retainCount: 7 } }));
    const report = await outputValue(cluster.etcdBackup);
    const steps = commands().filter((c) => c.name.endsWith("-etcd-backup")).map((c) => c.name);
    expect(steps).toEqual(["ext-etcd-cluster-etcd-0-etcd-backup", "ext-etcd-cluster-etcd-1-etcd-backup", "ext-etcd-cluster-etcd-2-etcd-backup"]);
    for (const name of steps) expect(named(registrations, name).arrived).toBeGreaterThan(named(registrations, "ext-etcd-cluster-gate").resolved!);
    const program = Buffer.from(/^readonly PROGRAM_B64='([^']*)'$/m.exec(scriptOf("ext-etcd-cluster-etcd-2-etcd-backup"))![1], "base64").toString();
    expect(program).toContain("readonly CERT_FILE='/etc/etcd/pki/server.crt'");
    expect(program).toContain("readonly ENDPOINT='https://192.168.3.12:2379'");
    expect(program).toContain("readonly RCLONE_REMOTE=''");
    expect(named(registrations, "ext-etcd-cluster-etcd-2-etcd-backup").inputs.stdin).toBeUndefined();
    expect(report).toMatchObject({ schedule: "daily", retainCount: 7, destination: "" });
  });
});

describe("restore (stacked etcd)", () => {
  test("the steps come in waves, each after the whole previous one: inbox, copy, verify, stop kube-apiserver, stop etcd, restore data, etcd gate, start, final gate", async () => {
    const cluster = new hosts.HostsControlPlane("rs", validArgs({ etcdRestore: { snapshotFile, confirmSha256: snapshotSha } }));
    await outputValue(cluster.etcdRestore);
    const at = (suffix: string) => [0, 1, 2].map((i) => named(registrations, `rs-control-plane-cp-${i}-restore-${suffix}`));
    const waves = [at("inbox"), at("copy"), at("verify"), at("stop-apiserver"), at("stop-etcd"), at("data"), [named(registrations, "rs-control-plane-restore-etcd-gate")], at("start"), [named(registrations, "rs-control-plane-restore-gate")]];
    const bringUpDone = named(registrations, "rs-control-plane-cp-2-gate").resolved!;
    for (const step of waves[0]) expect(step.arrived).toBeGreaterThan(bringUpDone);
    // copy and verify pair per machine; from the stops on, every step waits for the whole previous wave.
    for (let w = 3; w < waves.length; w++) {
      const previousDone = Math.max(...waves[w - 1].map((s) => s.resolved!));
      for (const step of waves[w]) expect(step.arrived).toBeGreaterThan(previousDone);
    }
    for (const i of [0, 1, 2]) {
      expect(waves[1][i].arrived).toBeGreaterThan(waves[0][i].resolved!);
      expect(waves[2][i].arrived).toBeGreaterThan(waves[1][i].resolved!);
    }
    const copy = named(registrations, "rs-control-plane-cp-1-restore-copy");
    expect(copy.type).toBe("command:remote:CopyToRemote");
    expect(copy.inputs.remotePath).toBe(`/var/lib/pulumi-k8s-ha/restore-inbox/${snapshotSha}.db`);
    expect(isSecretInput(copy.inputs.connection)).toBe(true);
    expect(await outputValue(cluster.etcdRestore)).toMatchObject({ ok: true });
    // The workers' token goes in after the restore's final gate: the restored etcd holds the snapshot's copy of it.
    await outputValue(cluster.workerJoinCommand);
    expect(named(registrations, "rs-control-plane-worker-token").arrived).toBeGreaterThan(named(registrations, "rs-control-plane-restore-gate").resolved!);
  });

  test("external etcd: the tier's machines are verified, stopped (their unit), restored and gated; the control planes only stop and start their API servers", async () => {
    const cluster = new hosts.HostsControlPlane("rx", validArgs({ etcdTopology: "external", etcdHosts: hostSpecs("etcd", 3, 3), etcdRestore: { snapshotFile, confirmSha256: snapshotSha } }));
    expect(await outputValue(cluster.etcdRestore)).toMatchObject({ ok: true });
    const names = commands().map((c) => c.name).filter((n) => n.includes("-restore-")).sort();
    const etcdSteps = ["inbox", "verify", "stop-etcd", "data"].flatMap((label) => [0, 1, 2].map((i) => `rx-control-plane-etcd-${i}-restore-${label}`));
    const cpSteps = ["stop-apiserver", "start"].flatMap((label) => [0, 1, 2].map((i) => `rx-control-plane-cp-${i}-restore-${label}`));
    expect(names).toEqual([...etcdSteps, ...cpSteps, "rx-control-plane-restore-etcd-gate", "rx-control-plane-restore-gate"].sort());
    expect(ofType(registrations, "command:remote:CopyToRemote").map((r) => r.name).sort()).toEqual([0, 1, 2].map((i) => `rx-control-plane-etcd-${i}-restore-copy`));
    const verify = scriptOf("rx-control-plane-etcd-1-restore-verify");
    expect(verify).toContain("readonly REQUIRE_ETCD_UNIT='true'");
    expect(scriptOf("rx-control-plane-etcd-1-restore-stop-etcd")).toContain("readonly TARGET='etcd-unit'");
    const data = scriptOf("rx-control-plane-etcd-1-restore-data");
    expect(data).toContain("readonly TARGET='etcd-unit'");
    expect(data).toContain("readonly DATA_DIR='/var/lib/etcd/data'");
    expect(data).toContain("readonly INITIAL_CLUSTER='etcd-0=https://192.168.3.10:2380,etcd-1=https://192.168.3.11:2380,etcd-2=https://192.168.3.12:2380'");
    // the etcd gate runs on the tier with a member's certificate, the final gate on the first control plane with kube-apiserver's
    expect(scriptOf("rx-control-plane-restore-etcd-gate")).toContain("readonly CERT_FILE='/etc/etcd/pki/server.crt'");
    expect(scriptOf("rx-control-plane-restore-gate")).toContain("readonly CERT_FILE='/etc/kubernetes/pki/apiserver-etcd-client.crt'");
    const stopsDone = Math.max(...[0, 1, 2].map((i) => named(registrations, `rx-control-plane-cp-${i}-restore-stop-apiserver`).resolved!));
    for (const i of [0, 1, 2]) expect(named(registrations, `rx-control-plane-etcd-${i}-restore-stop-etcd`).arrived).toBeGreaterThan(stopsDone);
    const verifiedAll = Math.max(...[0, 1, 2].map((i) => named(registrations, `rx-control-plane-etcd-${i}-restore-verify`).resolved!));
    for (const i of [0, 1, 2]) expect(named(registrations, `rx-control-plane-cp-${i}-restore-stop-apiserver`).arrived).toBeGreaterThan(verifiedAll);
  });

  test("every member is restored from the same snapshot into one new cluster: same initial cluster and new token everywhere, its own name and peer URL, revision bumped", async () => {
    const cluster = new hosts.HostsControlPlane("rd", validArgs({ etcdRestore: { snapshotFile, confirmSha256: snapshotSha, bumpRevision: 5000 } }));
    await outputValue(cluster.etcdRestore);
    const initialCluster = "cp-0=https://192.168.1.10:2380,cp-1=https://192.168.1.11:2380,cp-2=https://192.168.1.12:2380";
    for (const i of [0, 1, 2]) {
      const script = scriptOf(`rd-control-plane-cp-${i}-restore-data`);
      expect(script).toContain(`readonly MEMBER='cp-${i}'`);
      expect(script).toContain(`readonly PEER_URL='https://192.168.1.1${i}:2380'`);
      expect(script).toContain(`readonly INITIAL_CLUSTER='${initialCluster}'`);
      expect(script).toContain(`readonly CLUSTER_TOKEN='home-restore-${snapshotSha.slice(0, 12)}'`);
      expect(script).toContain("readonly BUMP_REVISION='5000'");
      expect(script).toContain(`readonly SHA256='${snapshotSha}'`);
      expect(scriptOf(`rd-control-plane-cp-${i}-restore-verify`)).toContain(`readonly SHA256='${snapshotSha}'`);
      // another snapshot replaces the steps (their trigger); for the same one, the records on the machines make a re-run a no-op
      expect(named(registrations, `rd-control-plane-cp-${i}-restore-data`).inputs.triggers).toEqual([snapshotSha]);
    }
    expect(scriptOf("rd-control-plane-restore-etcd-gate")).toContain("readonly READYZ_URL=''");
    expect(scriptOf("rd-control-plane-restore-gate")).toContain("readonly READYZ_URL='https://192.168.2.100:6443/readyz'");
  });
});
