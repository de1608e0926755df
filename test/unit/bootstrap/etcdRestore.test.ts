/**
 * The restore steps' scripts: shellcheck, then each run for real on this machine with stand-ins for etcdutl, crictl,
 * curl and systemctl (every path parameter moved under a scratch root).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  asRootCommand,
  etcdRestoreDataScript,
  etcdRestoreInboxScript,
  etcdRestoreStartScript,
  etcdRestoreStopScript,
  etcdRestoreVerifyScript,
  restoredClusterToken,
} from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

const SNAPSHOT = "SNAPSHOT-BYTES";
const SHA = createHash("sha256").update(SNAPSHOT).digest("hex");
const dataOptions = {
  sha256: SHA,
  memberName: "cp-1",
  peerUrl: "https://10.0.0.11:2380",
  initialCluster: "cp-0=https://10.0.0.10:2380,cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380",
  clusterToken: restoredClusterToken("prod", SHA),
  bumpRevision: 1_000_000_000,
  target: "stacked-etcd" as const,
};

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

describe("generated shell", () => {
  const scripts = {
    inbox: etcdRestoreInboxScript(),
    verify: etcdRestoreVerifyScript({ sha256: SHA }),
    stopApiserver: etcdRestoreStopScript({ sha256: SHA, target: "kube-apiserver", timeoutSeconds: 120 }),
    stopStackedEtcd: etcdRestoreStopScript({ sha256: SHA, target: "stacked-etcd", timeoutSeconds: 120 }),
    stopEtcdUnit: etcdRestoreStopScript({ sha256: SHA, target: "etcd-unit", timeoutSeconds: 120 }),
    data: etcdRestoreDataScript(dataOptions),
    start: etcdRestoreStartScript({ sha256: SHA, timeoutSeconds: 300 }),
  };
  test.each(Object.entries(scripts))("%s passes shellcheck -S warning, also wrapped to run as root", (_name, script) => {
    expect(shellcheck(script)).toEqual({ status: 0, output: "" });
    expect(shellcheck(`#!/bin/sh\n${asRootCommand(script)}`)).toEqual({ status: 0, output: "" });
  });

  test("the new cluster token derives from the snapshot, so every member computes the same one", () => {
    expect(restoredClusterToken("prod", SHA)).toBe(`prod-restore-${SHA.slice(0, 12)}`);
  });

  test.each([
    ["a sha256 in capitals", () => etcdRestoreVerifyScript({ sha256: SHA.toUpperCase() })],
    ["a short sha256", () => etcdRestoreStopScript({ sha256: "abc", target: "kube-apiserver", timeoutSeconds: 1 })],
    ["no revision bump", () => etcdRestoreDataScript({ ...dataOptions, bumpRevision: 0 })],
  ])("refuses %s", (_label, render) => {
    expect(render).toThrow(/etcd restore: /);
  });
});

describe("the steps, run with stand-ins", () => {
  let root: string;
  let fakebin: string;
  const manifests = () => path.join(root, "etc/kubernetes/manifests");
  const state = () => path.join(root, "var/lib/pulumi-k8s-ha/etcd-restore");
  const calls = (tool: string) => (fs.existsSync(path.join(root, `${tool}.calls`)) ? fs.readFileSync(path.join(root, `${tool}.calls`), "utf8").trim().split("\n") : []);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-restore-"));
    fakebin = path.join(root, "fakebin");
    fs.mkdirSync(fakebin);
    fs.mkdirSync(path.join(root, "usr/local/bin"), { recursive: true });
    fs.mkdirSync(manifests(), { recursive: true });
    for (const name of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) fs.writeFileSync(path.join(manifests(), `${name}.yaml`), `${name} manifest\n`);
    // etcdutl: status answers unless told to fail; restore makes the data directory (or fails like a bad hash).
    fs.writeFileSync(
      path.join(root, "usr/local/bin/etcdutl"),
      `#!/bin/bash
echo "$*" >> "${root}/etcdutl.calls"
case "$2" in
  status) [ -f "${root}/status.fail" ] && { echo "Error: invalid database" >&2; exit 1; }; echo '{"hash":1,"revision":812,"totalKey":650,"totalSize":3000000,"version":"3.6.0"}' ;;
  restore) [ -f "${root}/restore.fail" ] && { echo "Error: expected sha256 [1 2], got [3 4]" >&2; exit 1; }
           while [ $# -gt 0 ]; do [ "$1" = --data-dir ] && mkdir -p "$2/member/snap"; shift; done ;;
esac
`,
      { mode: 0o755 },
    );
    // crictl: lists a running container while ${root}/running-<name> exists; records stops; a stop ends the container
    // only when ${root}/stoppable-<name> exists.
    fs.writeFileSync(
      path.join(fakebin, "crictl"),
      `#!/bin/bash
echo "$*" >> "${root}/crictl.calls"
if [[ " $* " == *" ps "* ]]; then
  all="$*"; name="\${all##*--name }"; name="\${name#^}"; name="\${name%\\$}"
  [ -f "${root}/running-$name" ] && echo "container-of-$name"
fi
if [[ " $* " == *" stop "* ]]; then
  name="\${*: -1}"; name="\${name#container-of-}"
  [ -f "${root}/stoppable-$name" ] && rm -f "${root}/running-$name"
fi
exit 0
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(fakebin, "systemctl"), `#!/bin/bash\necho "$*" >> "${root}/systemctl.calls"\n[ "$1" = is-active ] && [ -f "${root}/etcd-unit-active" ] && exit 0\n[ "$1" = is-active ] && exit 3\nexit 0\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(fakebin, "curl"), `#!/bin/bash\necho "$*" >> "${root}/curl.calls"\nprintf ok\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function run(script: string, overrides: Record<string, string | number> = {}) {
    const result = spawnSync("bash", ["-c", sandboxed(script, root, overrides)], { encoding: "utf8", timeout: 20_000, env: { ...process.env, PATH: `${fakebin}:${process.env.PATH}` } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const inboxFile = () => path.join(root, `var/lib/pulumi-k8s-ha/restore-inbox/${SHA}.db`);
  const putInbox = (content = SNAPSHOT) => {
    fs.mkdirSync(path.dirname(inboxFile()), { recursive: true });
    fs.writeFileSync(inboxFile(), content);
  };

  describe("verify (before anything is stopped)", () => {
    test("a good snapshot: sha256, status and a trial restore pass; it moves to the root-only restore directory", () => {
      putInbox();
      const result = run(etcdRestoreVerifyScript({ sha256: SHA }));
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout.trim())).toEqual({ revision: 812, totalKeys: 650, sha256: SHA });
      expect(fs.readFileSync(path.join(state(), `${SHA}.db`), "utf8")).toBe(SNAPSHOT);
      expect(fs.existsSync(inboxFile())).toBe(false);
      expect(fs.statSync(state()).mode & 0o777).toBe(0o700);
      const [status, trial] = calls("etcdutl");
      expect(status).toMatch(/^snapshot status .* -w json$/);
      expect(trial).toMatch(/^snapshot restore /);
      expect(trial).toContain(` --data-dir ${state()}/trial.`);
      expect(fs.readdirSync(state()).filter((f) => f.startsWith("trial."))).toEqual([]);
      expect(calls("crictl")).toEqual([]);
      expect(calls("systemctl")).toEqual([]);
    });

    test.each([
      ["another file than confirmed", () => putInbox("OTHER-BYTES"), "the snapshot's sha256 is"],
      ["no file copied", () => undefined, "the snapshot was not copied to"],
      ["a file etcdutl cannot read", () => { putInbox(); fs.writeFileSync(path.join(root, "status.fail"), ""); }, "etcdutl cannot read the snapshot: Error: invalid database"],
      ["a file that fails etcd's integrity hash", () => { putInbox(); fs.writeFileSync(path.join(root, "restore.fail"), ""); }, "the snapshot fails etcd's integrity check: Error: expected sha256"],
      ["a member without the etcd unit (external tier)", () => putInbox(), "etcd does not run as the unit", true],
    ])("%s is refused, nothing stopped", (_label, arrange, reason, requireEtcdUnit = false) => {
      arrange();
      const result = run(etcdRestoreVerifyScript({ sha256: SHA, requireEtcdUnit }));
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`etcd restore refused on ${os.hostname()}: ${reason}`);
      expect(result.stderr).toContain("Nothing was stopped.");
      expect(fs.existsSync(path.join(state(), `${SHA}.db`))).toBe(false);
      expect(fs.readdirSync(manifests()).sort()).toEqual(["etcd.yaml", "kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"]);
    });
  });

  describe("stop", () => {
    test("kube-apiserver: its manifest is held, the step waits until no container runs, and a second run does nothing", () => {
      const script = etcdRestoreStopScript({ sha256: SHA, target: "kube-apiserver", timeoutSeconds: 5 });
      fs.writeFileSync(path.join(root, "running-kube-apiserver"), "");
      // the container goes away 1 s after the manifest did (kubelet noticing)
      const killer = spawnSync("bash", ["-c", `(sleep 1; rm -f ${root}/running-kube-apiserver) >/dev/null 2>&1 & echo started`], { encoding: "utf8" });
      expect(killer.stdout.trim()).toBe("started");
      const first = run(script, { PORT: 1 });
      expect(first.status).toBe(0);
      expect(fs.existsSync(path.join(manifests(), "kube-apiserver.yaml"))).toBe(false);
      expect(fs.readFileSync(path.join(state(), "held/kube-apiserver.yaml"), "utf8")).toBe("kube-apiserver manifest\n");
      expect(fs.existsSync(path.join(manifests(), "etcd.yaml"))).toBe(true);
      expect(calls("crictl").length).toBeGreaterThanOrEqual(2);
      const second = run(script, { PORT: 1 });
      expect(second.status).toBe(0);
      expect(second.stderr).toContain("step stop-kube-apiserver already done");
    });

    test("a container that does not stop fails the step within its bound, naming it", () => {
      fs.writeFileSync(path.join(root, "running-etcd"), "");
      const started = Date.now();
      const result = run(etcdRestoreStopScript({ sha256: SHA, target: "stacked-etcd", timeoutSeconds: 2 }), { PORT: 1 });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("etcd still runs on");
      expect(calls("crictl").filter((c) => c.includes(" stop "))).toEqual(["-r unix:///run/containerd/containerd.sock stop --timeout 30 container-of-etcd"]);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(fs.existsSync(path.join(state(), `${SHA}.stop-stacked-etcd.done`))).toBe(false);
    });

    test("a container kubelet leaves running (it cannot reach the API after a reboot) is stopped with crictl after half the bound", () => {
      fs.writeFileSync(path.join(root, "running-etcd"), "");
      fs.writeFileSync(path.join(root, "stoppable-etcd"), "");
      const result = run(etcdRestoreStopScript({ sha256: SHA, target: "stacked-etcd", timeoutSeconds: 4 }), { PORT: 1 });
      expect(result.stderr).not.toContain("still runs");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/kubelet had not stopped etcd on \S+ 2 s after its manifest was moved away: its container was stopped with crictl/);
      expect(fs.existsSync(path.join(state(), `${SHA}.stop-stacked-etcd.done`))).toBe(true);
    });

    test("external etcd: the unit is stopped", () => {
      const result = run(etcdRestoreStopScript({ sha256: SHA, target: "etcd-unit", timeoutSeconds: 2 }));
      expect(result.status).toBe(0);
      expect(calls("systemctl")).toEqual(["stop pulumi-k8s-ha-etcd.service"]);
    });
  });

  describe("restore data", () => {
    const stage = () => {
      fs.mkdirSync(state(), { recursive: true });
      fs.writeFileSync(path.join(state(), `${SHA}.db`), SNAPSHOT);
      fs.mkdirSync(path.join(state(), "held"), { recursive: true });
      fs.renameSync(path.join(manifests(), "etcd.yaml"), path.join(state(), "held/etcd.yaml"));
      fs.mkdirSync(path.join(root, "var/lib/etcd/member"), { recursive: true });
      fs.writeFileSync(path.join(root, "var/lib/etcd/member/old"), "old data");
    };

    test("the old data directory is kept aside, the member restored as part of a new cluster with the revision bumped, etcd's manifest back", () => {
      stage();
      const result = run(etcdRestoreDataScript(dataOptions));
      expect(result.status).toBe(0);
      const restore = calls("etcdutl").find((c) => c.startsWith("snapshot restore"))!;
      expect(restore).toBe(
        `snapshot restore ${state()}/${SHA}.db --data-dir ${root}/var/lib/etcd --name cp-1 --initial-cluster ${dataOptions.initialCluster} ` +
          `--initial-cluster-token prod-restore-${SHA.slice(0, 12)} --initial-advertise-peer-urls https://10.0.0.11:2380 --bump-revision 1000000000 --mark-compacted`,
      );
      const aside = fs.readdirSync(path.join(root, "var/lib")).filter((f) => f.startsWith("etcd.before-restore-"));
      expect(aside).toHaveLength(1);
      expect(fs.readFileSync(path.join(root, "var/lib", aside[0], "member/old"), "utf8")).toBe("old data");
      expect(fs.existsSync(path.join(root, "var/lib/etcd/member/snap"))).toBe(true);
      expect(fs.statSync(path.join(root, "var/lib/etcd")).mode & 0o777).toBe(0o700);
      expect(fs.readFileSync(path.join(manifests(), "etcd.yaml"), "utf8")).toBe("etcd manifest\n");
      expect(calls("systemctl")).toEqual(["restart kubelet"]);
      const again = run(etcdRestoreDataScript(dataOptions));
      expect(again.status).toBe(0);
      expect(calls("etcdutl").filter((c) => c.startsWith("snapshot restore"))).toHaveLength(1);
    });

    test("the restored directory is owned like the one it replaces (external etcd: the unit's user)", () => {
      stage();
      fs.chownSync(path.join(root, "var/lib/etcd"), 4321, 4321);
      expect(run(etcdRestoreDataScript({ ...dataOptions, target: "etcd-unit" })).status).toBe(0);
      const restored = fs.statSync(path.join(root, "var/lib/etcd/member/snap"));
      expect([restored.uid, restored.gid]).toEqual([4321, 4321]);
      expect(calls("systemctl")).toEqual(["is-active --quiet pulumi-k8s-ha-etcd.service", "start --no-block pulumi-k8s-ha-etcd.service"]);
    });

    test("refused while etcd's manifest is in place (etcd may run): the data is untouched", () => {
      stage();
      fs.renameSync(path.join(state(), "held/etcd.yaml"), path.join(manifests(), "etcd.yaml"));
      const result = run(etcdRestoreDataScript(dataOptions));
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("refusing to replace its data");
      expect(fs.readFileSync(path.join(root, "var/lib/etcd/member/old"), "utf8")).toBe("old data");
      expect(calls("etcdutl")).toEqual([]);
    });

    test("refused without a verified snapshot", () => {
      const result = run(etcdRestoreDataScript(dataOptions));
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("the verify step did not run here");
    });

    test("a failed restore leaves no half-made data directory and no record", () => {
      stage();
      fs.writeFileSync(path.join(root, "restore.fail"), "");
      const result = run(etcdRestoreDataScript(dataOptions));
      expect(result.status).toBe(1);
      expect(fs.existsSync(path.join(root, "var/lib/etcd"))).toBe(false);
      expect(fs.existsSync(path.join(state(), `${SHA}.restore-data.done`))).toBe(false);
      expect(fs.existsSync(path.join(manifests(), "etcd.yaml"))).toBe(false);
    });
  });

  test("start: kube-apiserver's manifest back, waits for /readyz, then restarts controller-manager, scheduler and kubelet", () => {
    fs.mkdirSync(path.join(state(), "held"), { recursive: true });
    fs.renameSync(path.join(manifests(), "kube-apiserver.yaml"), path.join(state(), "held/kube-apiserver.yaml"));
    fs.writeFileSync(path.join(root, "running-kube-controller-manager"), "");
    fs.writeFileSync(path.join(root, "running-kube-scheduler"), "");
    const result = run(etcdRestoreStartScript({ sha256: SHA, timeoutSeconds: 5 }));
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(manifests(), "kube-apiserver.yaml"), "utf8")).toBe("kube-apiserver manifest\n");
    expect(calls("curl")[0]).toContain("https://127.0.0.1:6443/readyz");
    expect(calls("crictl").filter((c) => c.includes(" stop "))).toEqual([
      "-r unix:///run/containerd/containerd.sock stop container-of-kube-controller-manager",
      "-r unix:///run/containerd/containerd.sock stop container-of-kube-scheduler",
    ]);
    expect(calls("systemctl")).toEqual(["restart kubelet", "restart kubelet"]);
    expect(fs.existsSync(path.join(state(), `${SHA}.start-control-plane.done`))).toBe(true);
  });
});
