/**
 * The snapshot program the timer runs and the step that installs it: shellcheck, then the program run for real on
 * this machine with stand-ins for etcdctl, etcdutl and rclone (every path parameter moved under a scratch root).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { asRootCommand, etcdBackupInstallScript, etcdBackupUnits, etcdSnapshotProgram } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

const options = {
  clusterName: "prod",
  memberName: "cp-1",
  endpoint: "https://10.0.0.11:2379",
  caFile: "/etc/kubernetes/pki/etcd/ca.crt",
  certFile: "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
  keyFile: "/etc/kubernetes/pki/etcd/healthcheck-client.key",
  directory: "/var/lib/pulumi-k8s-ha/etcd-snapshots",
  retainCount: 3,
  rcloneRemote: "backup:bucket/prod",
  saveTimeoutSeconds: 600,
};

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

describe("generated shell", () => {
  const program = etcdSnapshotProgram(options);
  const scripts = {
    program,
    install: etcdBackupInstallScript({ program, units: etcdBackupUnits({ schedule: "hourly" }), schedule: "hourly", upload: true, directory: options.directory }),
    installWithoutUpload: etcdBackupInstallScript({ program, units: etcdBackupUnits({ schedule: "daily" }), schedule: "daily", upload: false, directory: options.directory }),
    installInstallingRclone: etcdBackupInstallScript({ program, units: etcdBackupUnits({ schedule: "hourly" }), schedule: "hourly", upload: true, installRclone: true, directory: options.directory }),
  };
  test.each(Object.entries(scripts))("%s passes shellcheck -S warning, also wrapped to run as root", (_name, script) => {
    expect(shellcheck(script)).toEqual({ status: 0, output: "" });
    expect(shellcheck(`#!/bin/sh\n${asRootCommand(script)}`)).toEqual({ status: 0, output: "" });
  });

  test("the timer fires on the schedule in the same slot on every voter, catches up after downtime, and starts the oneshot service", () => {
    const { service, timer } = etcdBackupUnits({ schedule: "*-*-* 00/6:00:00" });
    expect(timer).toContain("OnCalendar=*-*-* 00/6:00:00\n");
    expect(timer).toContain("Persistent=true\n");
    expect(timer).toContain("AccuracySec=1s\n");
    expect(timer).not.toContain("RandomizedDelaySec");
    expect(timer).toContain("Unit=pulumi-k8s-ha-etcd-snapshot.service\n");
    expect(timer).toContain("WantedBy=timers.target\n");
    expect(service).toContain("Type=oneshot\nExecStart=/usr/local/sbin/pulumi-k8s-ha-etcd-snapshot\n");
  });

  test("the install step carries the program and units, and no secret: rclone's configuration comes on standard input", () => {
    const script = scripts.install;
    const b64 = (name: string) => Buffer.from(new RegExp(`^readonly ${name}='([^']*)'$`, "m").exec(script)![1], "base64").toString();
    expect(b64("PROGRAM_B64")).toBe(program);
    expect(b64("TIMER_B64")).toContain("OnCalendar=hourly");
    expect(script).toContain(`put "$RCLONE_CONFIG" 0600`);
    expect(script).toContain(`systemd-analyze calendar "$SCHEDULE"`);
  });

  test.each([
    [{ clusterName: "Prod" }, /cluster and member names must be DNS labels/],
    [{ directory: "relative/dir" }, /directory must be an absolute plain path/],
    [{ retainCount: 0 }, /retainCount must be a positive integer/],
  ])("refuses unusable options %j", (bad, message) => {
    expect(() => etcdSnapshotProgram({ ...options, ...bad })).toThrow(message);
  });
});

describe("the snapshot program, run with stand-ins for etcdctl, etcdutl and rclone", () => {
  let root: string;
  let fakebin: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-snapshot-"));
    fakebin = path.join(root, "fakebin");
    fs.mkdirSync(fakebin);
    fs.mkdirSync(path.join(root, "usr/local/bin"), { recursive: true });
    // etcdctl: `endpoint status -w fields` answers as member 7 with leader $LEADER; `snapshot save` writes a file.
    fs.writeFileSync(
      path.join(fakebin, "etcdctl"),
      `#!/bin/bash
echo "$*" >> "${root}/etcdctl.calls"
[ -f "${root}/etcdctl.fail" ] && { echo "context deadline exceeded" >&2; exit 1; }
for a in "$@"; do
  case "$a" in
    status) printf '"ClusterID" : 11\\n"MemberID" : 7\\n"Revision" : 42\\n"Version" : "3.6.5"\\n"Leader" : %s\\n' "$(cat "${root}/leader")"; exit 0 ;;
    save) file="\${!#}"; printf 'SNAPSHOT-DATA' > "$file"; echo "Snapshot saved at $file"; exit 0 ;;
  esac
done
exit 2
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(root, "usr/local/bin/etcdutl"),
      `#!/bin/bash
[ -f "${root}/etcdutl.fail" ] && { echo "Error: invalid database" >&2; exit 1; }
echo '{"hash":2868936294,"revision":42,"totalKey":50,"totalSize":24576,"version":"3.6.0"}'
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(fakebin, "rclone"), `#!/bin/bash\necho "$*" >> "${root}/rclone.calls"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(root, "leader"), "7");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const dir = () => path.join(root, options.directory);
  function run(overrides: Partial<typeof options> = {}) {
    const script = sandboxed(etcdSnapshotProgram({ ...options, ...overrides }), root);
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 20_000, env: { ...process.env, PATH: `${fakebin}:${process.env.PATH}` } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const files = () => fs.readdirSync(dir()).filter((f) => !f.startsWith(".")).sort();

  test("saves, verifies and describes the snapshot; the leader uploads the snapshot and its metadata", () => {
    const result = run();
    expect(result.status).toBe(0);
    const [db, json] = files();
    expect(db).toMatch(/^prod-cp-1-\d{8}T\d{6}Z\.db$/);
    expect(json).toBe(db.replace(/\.db$/, ".json"));
    const metadata = JSON.parse(fs.readFileSync(path.join(dir(), json), "utf8"));
    expect(JSON.parse(result.stdout.trim().split("\n").pop()!)).toEqual(metadata);
    expect(metadata).toMatchObject({
      name: db.replace(/\.db$/, ""),
      file: db,
      cluster: "prod",
      member: "cp-1",
      memberId: "7",
      revision: 42,
      totalKeys: 50,
      etcdHash: 2868936294,
      sha256: createHash("sha256").update("SNAPSHOT-DATA").digest("hex"),
      sizeBytes: 13,
      etcdVersion: "3.6.5",
      storageVersion: "3.6.0",
      leader: true,
    });
    expect(metadata.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(fs.statSync(dir()).mode & 0o777).toBe(0o700);
    expect((fs.statSync(path.join(dir(), db)).mode & 0o077)).toBe(0);
    const calls = fs.readFileSync(path.join(root, "rclone.calls"), "utf8").trim().split("\n");
    const config = path.join(root, "etc/pulumi-k8s-ha/rclone.conf");
    expect(calls).toEqual([
      `--config ${config} --no-check-dest copyto ${dir()}/${db} backup:bucket/prod/${db}`,
      `--config ${config} --no-check-dest copyto ${dir()}/${json} backup:bucket/prod/${json}`,
    ]);
    expect(fs.readFileSync(path.join(root, "etcdctl.calls"), "utf8")).toContain(`--endpoints=https://10.0.0.11:2379 --cacert=${root}/etc/kubernetes/pki/etcd/ca.crt`);
  });

  test("a follower keeps its local snapshot and leaves the upload to the leader", () => {
    fs.writeFileSync(path.join(root, "leader"), "9");
    const result = run();
    expect(result.status).toBe(0);
    expect(files()).toHaveLength(2);
    expect(JSON.parse(result.stdout.trim()).leader).toBe(false);
    expect(fs.existsSync(path.join(root, "rclone.calls"))).toBe(false);
    expect(result.stderr).toContain("not the etcd leader: upload of prod-cp-1-");
  });

  test("without a remote nothing is uploaded", () => {
    expect(run({ rcloneRemote: "" }).status).toBe(0);
    expect(fs.existsSync(path.join(root, "rclone.calls"))).toBe(false);
  });

  test("retention keeps the newest retainCount snapshots of this member, with their metadata, and nothing else is touched", () => {
    fs.mkdirSync(dir(), { recursive: true });
    const old = ["20260101T000000Z", "20260102T000000Z", "20260103T000000Z", "20260104T000000Z"];
    for (const stamp of old) for (const ext of ["db", "json"]) fs.writeFileSync(path.join(dir(), `prod-cp-1-${stamp}.${ext}`), "old");
    fs.writeFileSync(path.join(dir(), "prod-cp-0-20250101T000000Z.db"), "another member's");
    expect(run().status).toBe(0);
    const kept = files().filter((f) => f.startsWith("prod-cp-1-") && f.endsWith(".db"));
    expect(kept).toHaveLength(3);
    expect(kept.slice(0, 2)).toEqual(["prod-cp-1-20260103T000000Z.db", "prod-cp-1-20260104T000000Z.db"]);
    expect(files()).toContain("prod-cp-1-20260103T000000Z.json");
    expect(files()).not.toContain("prod-cp-1-20260102T000000Z.json");
    expect(files()).toContain("prod-cp-0-20250101T000000Z.db");
  });

  test("a failed save leaves no snapshot, no metadata and no partial file, and fails the unit", () => {
    fs.writeFileSync(path.join(root, "etcdctl.fail"), "");
    const result = run();
    expect(result.status).not.toBe(0);
    expect(fs.readdirSync(dir()).filter((f) => f !== ".lock")).toEqual([]);
  });

  test("a snapshot etcdutl cannot read is not kept and fails the unit", () => {
    fs.writeFileSync(path.join(root, "etcdutl.fail"), "");
    const result = run();
    expect(result.status).not.toBe(0);
    expect(fs.readdirSync(dir()).filter((f) => f !== ".lock")).toEqual([]);
    expect(fs.existsSync(path.join(root, "rclone.calls"))).toBe(false);
  });
});

describe("the install step, run with stand-ins for systemctl, systemd-analyze and rclone", () => {
  let root: string;
  let fakebin: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-snapshot-install-"));
    fakebin = path.join(root, "fakebin");
    fs.mkdirSync(fakebin);
    fs.writeFileSync(path.join(fakebin, "systemctl"), `#!/bin/bash\necho "$*" >> "${root}/systemctl.calls"\n[ "$1" = is-active ] && echo active\nexit 0\n`, { mode: 0o755 });
    fs.writeFileSync(
      path.join(fakebin, "systemd-analyze"),
      `#!/bin/bash\n[ "$2" = hourly ] && { echo "Next elapse: soon"; exit 0; }\necho "Failed to parse calendar specification '$2': Invalid argument" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const program = etcdSnapshotProgram(options);
  function install(schedule: string, upload: boolean, stdin = "", withRclone = true, installRclone = false) {
    if (withRclone) fs.writeFileSync(path.join(fakebin, "rclone"), "#!/bin/sh\n", { mode: 0o755 });
    const script = sandboxed(
      etcdBackupInstallScript({ program, units: etcdBackupUnits({ schedule }), schedule, upload, installRclone, directory: options.directory }),
      root,
    ).replace("if [ ! -d /run/systemd/system ]; then", "if false; then");
    // Without rclone: a PATH of only the tools the step uses (this machine may have rclone installed).
    const tools = path.join(root, "tools");
    if (!withRclone && !fs.existsSync(tools)) {
      fs.mkdirSync(tools);
      for (const tool of ["bash", "mkdir", "mktemp", "cat", "chmod", "cmp", "stat", "mv", "base64", "rm", "dirname", "hostname", "find", "sort", "tail", "jq", "tr", "printf"]) {
        const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
        if (found.startsWith("/")) fs.symlinkSync(found, path.join(tools, tool));
      }
    }
    const env = { ...process.env, PATH: withRclone ? `${fakebin}:${process.env.PATH}` : `${fakebin}:${tools}` };
    const result = spawnSync("bash", ["-c", script], { input: stdin, encoding: "utf8", timeout: 20_000, env });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const calls = () => fs.readFileSync(path.join(root, "systemctl.calls"), "utf8").trim().split("\n");

  test("first install (no snapshot yet): program, units and rclone configuration written with their modes, timer enabled and started, `{}` reported", () => {
    const result = install("hourly", true, "[backup]\ntype = sftp\n");
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n").pop()).toBe("{}");
    const at = (file: string) => path.join(root, file);
    expect(fs.readFileSync(at("usr/local/sbin/pulumi-k8s-ha-etcd-snapshot"), "utf8")).toBe(program);
    expect(fs.statSync(at("usr/local/sbin/pulumi-k8s-ha-etcd-snapshot")).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(at("etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.timer"), "utf8")).toContain("OnCalendar=hourly");
    expect(fs.statSync(at("etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.service")).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(at("etc/pulumi-k8s-ha/rclone.conf"), "utf8")).toBe("[backup]\ntype = sftp\n");
    expect(fs.statSync(at("etc/pulumi-k8s-ha/rclone.conf")).mode & 0o777).toBe(0o600);
    expect(calls().slice(0, 3)).toEqual(["daemon-reload", "enable pulumi-k8s-ha-etcd-snapshot.timer", "restart pulumi-k8s-ha-etcd-snapshot.timer"]);
  });

  test("a re-run with nothing changed writes nothing and only makes sure the timer runs; the newest snapshot's metadata is reported", () => {
    expect(install("hourly", false).status).toBe(0);
    fs.rmSync(path.join(root, "systemctl.calls"));
    fs.mkdirSync(path.join(root, options.directory.slice(1)), { recursive: true });
    fs.writeFileSync(path.join(root, options.directory.slice(1), "prod-cp-1-20260101T000000Z.json"), '{"revision": 7}\n');
    fs.writeFileSync(path.join(root, options.directory.slice(1), "prod-cp-1-20260102T000000Z.json"), '{"revision": 9}\n');
    const result = install("hourly", false);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("wrote ");
    expect(JSON.parse(result.stdout.trim().split("\n").pop()!)).toEqual({ revision: 9 });
    expect(calls().slice(0, 2)).toEqual(["enable pulumi-k8s-ha-etcd-snapshot.timer", "start pulumi-k8s-ha-etcd-snapshot.timer"]);
  });

  test("without an upload an old rclone configuration is removed", () => {
    expect(install("hourly", true, "[backup]\n").status).toBe(0);
    expect(install("hourly", false).status).toBe(0);
    expect(fs.existsSync(path.join(root, "etc/pulumi-k8s-ha/rclone.conf"))).toBe(false);
  });

  test("a schedule systemd does not understand fails the step before anything is written, naming the argument", () => {
    const result = install("every tuesday", false);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("etcdBackup.schedule: systemd does not understand OnCalendar=every tuesday (Failed to parse calendar specification");
    expect(fs.existsSync(path.join(root, "usr/local/sbin/pulumi-k8s-ha-etcd-snapshot"))).toBe(false);
  });

  test("an upload without rclone on the machine fails the step, naming the package", () => {
    const result = install("hourly", true, "[backup]\n", false);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("etcdBackup.rcloneRemote: rclone is not installed on");
  });

  test("with installRclone, a missing rclone is installed with apt (waiting for the lock), which never reads the configuration on standard input", () => {
    // apt-get stand-in: records its arguments and whatever it reads on standard input; "install" puts rclone on PATH.
    fs.writeFileSync(
      path.join(fakebin, "apt-get"),
      `#!/bin/bash\necho "$*" >> "${root}/apt.calls"\ncat >> "${root}/apt.stdin"\ncase " $* " in *" install "*) printf '#!/bin/sh\\n' > "${fakebin}/rclone"; chmod 755 "${fakebin}/rclone" ;; esac\n`,
      { mode: 0o755 },
    );
    const result = install("hourly", true, "[backup]\ntype = s3\n", false, true);
    expect(result.status).toBe(0);
    const aptCalls = fs.readFileSync(path.join(root, "apt.calls"), "utf8").trim().split("\n");
    expect(aptCalls).toEqual([
      "-o DPkg::Lock::Timeout=600 -q update",
      "-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -q -y install rclone",
    ]);
    expect(fs.readFileSync(path.join(root, "apt.stdin"), "utf8")).toBe("");
    expect(fs.readFileSync(path.join(root, "etc/pulumi-k8s-ha/rclone.conf"), "utf8")).toBe("[backup]\ntype = s3\n");
  });

  test("with installRclone, an rclone already there is not reinstalled", () => {
    fs.writeFileSync(path.join(fakebin, "apt-get"), `#!/bin/bash\necho "$*" >> "${root}/apt.calls"\n`, { mode: 0o755 });
    expect(install("hourly", true, "[backup]\n", true, true).status).toBe(0);
    expect(fs.existsSync(path.join(root, "apt.calls"))).toBe(false);
  });
});
