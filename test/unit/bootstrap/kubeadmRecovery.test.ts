import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFileBundle } from "../../../src/bootstrap/fileBundle";
import { paths } from "../../../src/bootstrap/paths";
import { INTERRUPTED_STEP_API_WAIT_SECONDS, kubeadmInitScript, kubeadmJoinScript, kubeadmResetScript, placeFilesScript } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

test("control planes keep the pristine copy and the step records under the bootstrap's state directory", () => {
  expect(paths.placedFilesDir).toBe("/var/lib/pulumi-k8s-ha/placed");
  expect([paths.kubeadmInitDone, paths.kubeadmInitStarted, paths.kubeadmJoinDone, paths.kubeadmJoinStarted]).toEqual([
    "/var/lib/pulumi-k8s-ha/kubeadm-init.done",
    "/var/lib/pulumi-k8s-ha/kubeadm-init.started",
    "/var/lib/pulumi-k8s-ha/kubeadm-join.done",
    "/var/lib/pulumi-k8s-ha/kubeadm-join.started",
  ]);
  expect(placeFilesScript({ allowedDirectories: ["/etc/kubernetes"] })).toContain("readonly PRISTINE_DIR=''");
  expect(() => placeFilesScript({ allowedDirectories: ["/etc/kubernetes"], pristineCopyDir: "var/placed" })).toThrow(
    new Error('place files: pristineCopyDir must be an absolute plain path, got "var/placed"'),
  );
});

test("the kubeadm steps record completion only after kubeadm succeeded, and a start record before it runs", () => {
  for (const [script, step] of [
    [kubeadmInitScript({ existingClusterUrl: "https://lb:6443/healthz" }), "init"],
    [kubeadmJoinScript(), "join"],
  ] as const) {
    expect(script).toContain(`readonly DONE_MARKER='/var/lib/pulumi-k8s-ha/kubeadm-${step}.done'`);
    expect(script).toContain(`readonly STARTED_MARKER='/var/lib/pulumi-k8s-ha/kubeadm-${step}.started'`);
    expect(script).toContain(`readonly API_WAIT_SECONDS='${INTERRUPTED_STEP_API_WAIT_SECONDS}'`);
    const started = script.indexOf(`record_step "$STARTED_MARKER"`);
    const kubeadm = script.indexOf(`if ! kubeadm ${step} --config`);
    const done = script.indexOf(`record_step "$DONE_MARKER" "kubeadm ${step} completed`);
    expect(started).toBeGreaterThan(0);
    expect(kubeadm).toBeGreaterThan(started);
    expect(done).toBeGreaterThan(kubeadm);
    // The skip needs the completion record, not just kubeadm's files.
    expect(script).toMatch(/if \[ -f "\$DONE_MARKER" \] && \[ -f "\$(ADMIN_CONF|KUBELET_CONF)" \]/);
  }
  expect(kubeadmResetScript()).toContain('rm -f "$INIT_DONE" "$INIT_STARTED" "$JOIN_DONE" "$JOIN_STARTED"');
});

/**
 * The kubeadm steps run for real on a temporary "machine" (every path of the script moved under a temporary root):
 * the place-files step places CAs and kubeadm's configuration (keeping its pristine copy); kubeadm, kubectl, etcdctl
 * and systemctl are stand-ins that record their calls and answer from files. kubeadm's `reset` deletes what the real
 * one deletes; its init/join succeed when `state/kubeadm.ok` exists, and otherwise fail after writing what
 * `state/leaves/` holds.
 */
describe("kubeadm init and join on a machine with kubeadm state left behind", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => path.join(root, name);
  const read = (name: string) => (fs.existsSync(file(name)) ? fs.readFileSync(file(name), "utf8") : "");
  const write = (name: string, content = "") => {
    fs.mkdirSync(path.dirname(file(name)), { recursive: true });
    fs.writeFileSync(file(name), content);
  };
  const initConfig =
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 10.0.0.1\n  bindPort: 6443\n" +
    "nodeRegistration:\n  name: cp-0\n  kubeletExtraArgs:\n    - name: node-ip\n      value: 10.0.0.1\n---\nkind: ClusterConfiguration\nclusterName: it\n";
  const joinConfig =
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: 10.0.0.100:6443\n" +
    "    token: abcdef.0123456789abcdef\ncontrolPlane:\n  localAPIEndpoint:\n    advertiseAddress: 10.0.0.3\n    bindPort: 6443\n" +
    "nodeRegistration:\n  name: cp-2\n";
  const placed: Record<string, { mode: string; content: string }> = {
    "etc/kubernetes/pki/ca.crt": { mode: "0644", content: "cluster CA certificate\n" },
    "etc/kubernetes/pki/ca.key": { mode: "0600", content: "cluster CA key\n" },
    "etc/kubernetes/pki/sa.key": { mode: "0600", content: "service-account key\n" },
    "etc/kubernetes/pki/etcd/ca.crt": { mode: "0644", content: "etcd CA certificate\n" },
    "etc/kubernetes/pki/etcd/ca.key": { mode: "0600", content: "etcd CA key\n" },
    "etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml": { mode: "0600", content: initConfig },
    "etc/kubernetes/pulumi-k8s-ha/kubeadm-join.yaml": { mode: "0600", content: joinConfig },
  };
  const voters =
    "8e9e05c52164694d, started, cp-0, https://10.0.0.1:2380, https://10.0.0.1:2379, false\n" +
    "91bc3c398fb3c146, started, cp-1, https://10.0.0.2:2380, https://10.0.0.2:2379, false\n";

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-recover-"));
    fs.mkdirSync(file("bin"));
    fs.mkdirSync(file("state"));
    const stub = (name: string, body: string) => fs.writeFileSync(file(`bin/${name}`), `#!/bin/bash\nR='${root}'\n${body}`, { mode: 0o755 });
    stub(
      "kubeadm",
      `[ "$1" = version ] && { echo v1.34.2; exit 0; }
echo "kubeadm $1 ca.crt:$([ -f "$R/etc/kubernetes/pki/ca.crt" ] && echo present || echo missing)" >> "$R/kubeadm.calls"
if [ "$1" = reset ]; then
  rm -rf "$R/etc/kubernetes/pki" "$R/etc/kubernetes/manifests" "$R/var/lib/kubelet" "$R/var/lib/etcd"
  rm -f "$R"/etc/kubernetes/*.conf
  exit 0
fi
if [ -f "$R/state/kubeadm.ok" ]; then
  mkdir -p "$R/etc/kubernetes/manifests" "$R/var/lib/kubelet"
  touch "$R/etc/kubernetes/admin.conf" "$R/etc/kubernetes/kubelet.conf" "$R/etc/kubernetes/manifests/kube-apiserver.yaml" "$R/var/lib/kubelet/config.yaml"
  echo "[$1] done"
  exit 0
fi
# A failing kubeadm leaves what state/leaves holds (files it wrote before failing).
[ -d "$R/state/leaves" ] && cp -a "$R/state/leaves/." "$R/"
echo "[preflight] some check failed"
exit 1
`,
    );
    stub(
      "kubectl",
      `echo "kubectl $*" >> "$R/kubectl.calls"
args=" $* "
case "$args" in *" apply "*) cat >/dev/null; exit 0 ;; esac
if [ -f "$R/state/api.down" ]; then echo "The connection to the server 10.0.0.100:6443 was refused" >&2; exit 1; fi
case "$args" in
  *" get nodes -o name "*) cat "$R/state/nodes" 2>/dev/null ;;
  *" get daemonset/kube-proxy deployment/coredns "*) cat "$R/state/addons" 2>/dev/null ;;
  *" get pods -l component=etcd "*) cat "$R/state/etcd-pods" 2>/dev/null ;;
  *" delete node "*) rm -f "$R/state/node" ;;
  *" get node "*" -o name "*) [ -f "$R/state/node" ] && echo "node/$(cut -d' ' -f1 "$R/state/node")" ;;
  *" get node "*) cat "$R/state/node" 2>/dev/null ;;
  *) echo "kubectl stand-in: unexpected call" >&2; exit 2 ;;
esac
exit 0
`,
    );
    stub(
      "etcdctl",
      `echo "etcdctl $*" >> "$R/etcdctl.calls"
if [ -f "$R/state/etcd.down" ]; then echo "Error: context deadline exceeded" >&2; exit 1; fi
case "$*" in
  *"endpoint health"*) for dead in $(cat "$R/state/dead" 2>/dev/null); do case "$*" in *"--endpoints=$dead "*) echo "unhealthy" >&2; exit 1 ;; esac; done ;;
  *"member list"*) cat "$R/state/members" ;;
  *"member remove "*) id="\${@: -1}"; grep -q "^$id, " "$R/state/members" || { echo "Error: etcdserver: member not found" >&2; exit 1; }; sed -i "/^$id, /d" "$R/state/members" ;;
esac
`,
    );
    stub("systemctl", `echo "systemctl $*" >> "$R/systemctl.calls"\n`);
    // curl answers "ok" for the URL in state/serving (an API server of this cluster), nothing otherwise.
    stub("curl", `echo "curl \${@: -1}" >> "$R/curl.calls"\n[ "$(cat "$R/state/serving" 2>/dev/null)" = "\${@: -1}" ] && printf ok\nexit 0\n`);
    env = { ...process.env, PATH: `${file("bin")}:${process.env.PATH}` };
    const bundle = renderFileBundle(Object.entries(placed).map(([name, f]) => ({ path: file(name), ...f })));
    const place = spawnSync(
      "bash",
      ["-c", placeFilesScript({ allowedDirectories: [file("etc/kubernetes")], pristineCopyDir: file("var/lib/pulumi-k8s-ha/placed") })],
      { input: bundle, encoding: "utf8" },
    );
    expect(place.stdout).toContain("7 file(s) written, 0 unchanged");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (script: string) => spawnSync("bash", ["-c", sandboxed(script, root, { API_WAIT_SECONDS: 0 })], { encoding: "utf8", env, timeout: 30_000 });
  const init = () => run(kubeadmInitScript({ existingClusterUrl: "https://127.0.0.1:1/healthz" }));
  const join = () => run(kubeadmJoinScript());
  const calls = (tool: string) => read(`${tool}.calls`).trim().split("\n").filter(Boolean);
  /** etcdctl calls without the certificate flags: `--endpoints=... <command>`. */
  const etcdctlCalls = () =>
    calls("etcdctl").map((call) =>
      call.replace(/^etcdctl (--endpoints=\S+) --cacert=\S+ --cert=\S+ --key=\S+ --dial-timeout=1s --command-timeout=2s /, "$1 "),
    );

  function etcdManifest(peer: string, initialCluster: string, under = "") {
    write(
      `${under}etc/kubernetes/manifests/etcd.yaml`,
      `spec:\n  containers:\n  - command:\n    - etcd\n    - --initial-advertise-peer-urls=${peer}\n    - --initial-cluster=${initialCluster}\n    - --initial-cluster-state=existing\n`,
    );
  }

  /** What kubeadm init leaves on the first control plane once its kubelet-start phase ran. */
  function initStarted() {
    for (const f of ["etc/kubernetes/admin.conf", "etc/kubernetes/super-admin.conf", "etc/kubernetes/manifests/kube-apiserver.yaml", "var/lib/kubelet/config.yaml"]) write(f);
    etcdManifest("https://10.0.0.1:2380", "cp-0=https://10.0.0.1:2380");
  }

  /** What kubeadm join leaves once its etcd phase added the member and wrote the manifest. */
  function joinStarted() {
    for (const f of [
      "etc/kubernetes/admin.conf",
      "etc/kubernetes/kubelet.conf",
      "etc/kubernetes/manifests/kube-apiserver.yaml",
      "var/lib/kubelet/config.yaml",
      "etc/kubernetes/pki/etcd/healthcheck-client.crt",
    ])
      write(f);
    etcdManifest("https://10.0.0.3:2380", "cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380,cp-2=https://10.0.0.3:2380");
    write("state/node", "cp-2 10.0.0.3");
  }

  function expectPlacedFilesIntact() {
    for (const [name, f] of Object.entries(placed)) {
      expect(`${name}: ${read(name)}`).toBe(`${name}: ${f.content}`);
      expect(`${name}: ${(fs.statSync(file(name)).mode & 0o777).toString(8)}`).toBe(`${name}: ${f.mode.slice(1)}`);
    }
  }

  describe("init", () => {
    test("a fresh machine: kubeadm init runs, then the completion record is written and the start record removed", () => {
      write("state/kubeadm.ok");
      const result = init();
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("kubeadm init done on cp-0\n");
      expect(calls("kubeadm")).toEqual(["kubeadm init ca.crt:present"]);
      expect(read("var/lib/pulumi-k8s-ha/kubeadm-init.done")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ kubeadm init completed on cp-0 \(v1\.34\.2\)\n$/);
      expect(fs.existsSync(file("var/lib/pulumi-k8s-ha/kubeadm-init.started"))).toBe(false);
    });

    test("with its completion record it is skipped: no kubeadm, no API call", () => {
      initStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-init.done", "2026-01-01T00:00:00Z kubeadm init completed on cp-0 (v1.34.2)\n");
      const result = init();
      expect(result.status).toBe(0);
      expect(result.stdout).toBe("cp-0 already initialised: 2026-01-01T00:00:00Z kubeadm init completed on cp-0 (v1.34.2)\n");
      expect([calls("kubeadm"), calls("kubectl")]).toEqual([[], []]);
    });

    test("a completion record without admin.conf (reset by hand) is dropped and init runs again", () => {
      write("var/lib/pulumi-k8s-ha/kubeadm-init.done", "old\n");
      write("state/kubeadm.ok");
      const result = init();
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("kubeadm-init.done exists but");
      expect(calls("kubeadm")).toEqual(["kubeadm init ca.crt:present"]);
    });

    test.each<[string, string, string]>([
      ["the cluster has other nodes (joins happened)", "node/cp-0\nnode/cp-1\nnode/cp-2\n", "the cluster has other nodes (cp-1 cp-2)"],
      ["kubeadm's last phase made kube-proxy and CoreDNS", "node/cp-0\n", "kube-proxy and CoreDNS exist (kubeadm's last phase ran)"],
    ])("admin.conf without a record, but %s: completed (an earlier version), recorded now, nothing reset", (_label, nodes, why) => {
      initStarted();
      write("state/nodes", nodes);
      write("state/addons", "daemonset.apps/kube-proxy\ndeployment.apps/coredns\n");
      const result = init();
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`cp-0 already initialised (no completion record, recorded now): ${why}\n`);
      expect(read("var/lib/pulumi-k8s-ha/kubeadm-init.done")).toContain(`kubeadm init found complete on cp-0: ${why}`);
      expect(calls("kubeadm")).toEqual([]);
      // super-admin.conf (system:masters): admin.conf's group may not be bound yet in a half-done init.
      expect(calls("kubectl")[0]).toContain(`--kubeconfig ${file("etc/kubernetes/super-admin.conf")} --request-timeout=5s --server=https://10.0.0.1:6443 get nodes -o name`);
    });

    test("interrupted (power-off) alone, kube-proxy and CoreDNS never made: reset safely and initialised again", () => {
      initStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-init.started", "2026-01-01T00:00:00Z kubeadm init started on cp-0\n");
      write("state/nodes", "node/cp-0\n");
      write("state/addons", "deployment.apps/coredns\n");
      write("state/members", "8e9e05c52164694d, started, cp-0, https://10.0.0.1:2380, https://10.0.0.1:2379, false\n");
      write("state/kubeadm.ok");
      const result = init();
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        `kubeadm init on cp-0 did not complete (interrupted: ${file("etc/kubernetes/admin.conf")} but no completion record): it is the cluster's only node and kubeadm's last phase (kube-proxy, CoreDNS) never ran (its API answered after 0 s)\n`,
      );
      expect(result.stdout).toContain("resetting cp-0 so that the step starts cleanly");
      expect(result.stdout).toContain("kubeadm init done on cp-0\n");
      expect(calls("kubeadm")).toEqual(["kubeadm reset ca.crt:present", "kubeadm init ca.crt:present"]);
      // Its etcd is a cluster of its own: nothing to remove from anyone.
      expect(etcdctlCalls()).toEqual(["--endpoints=https://10.0.0.1:2379 member list -w simple"]);
      expect(read("var/lib/pulumi-k8s-ha/kubeadm-init.done")).toContain("kubeadm init completed on cp-0");
      expectPlacedFilesIntact();
    });

    test("interrupted before its kubelet-start phase: nothing ever ran, reset without asking the API", () => {
      write("etc/kubernetes/admin.conf");
      write("state/kubeadm.ok");
      const result = init();
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("did not complete (interrupted: ");
      expect(result.stdout).toContain("it stopped before its kubelet-start phase: no control-plane component ever ran here\n");
      expect(calls("kubectl")).toEqual([]);
      expect(calls("kubeadm")).toEqual(["kubeadm reset ca.crt:present", "kubeadm init ca.crt:present"]);
    });

    test("its control plane does not answer within the bound: refused, nothing reset, the node and the manual fix named", () => {
      initStarted();
      write("state/api.down");
      const result = init();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `refusing to go on with kubeadm init on cp-0: it began here (${file("etc/kubernetes/admin.conf")} exists) and did not record completion, and its control plane did not answer within 0 s`,
      );
      expect(result.stderr).toContain("run kubeadm reset --force on cp-0, then pulumi up again");
      expect(calls("kubeadm")).toEqual([]);
      expect(fs.existsSync(file("etc/kubernetes/manifests/etcd.yaml"))).toBe(true);
    });

    test("alone without kube-proxy and CoreDNS, yet its etcd has other members: refused, not reset", () => {
      initStarted();
      write("state/nodes", "node/cp-0\n");
      write("state/members", voters);
      const result = init();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("yet its etcd has 2 members");
      expect(calls("kubeadm")).toEqual([]);
    });
  });

  describe("join", () => {
    test("with its completion record (and kubeadm's files) it is skipped", () => {
      joinStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-join.done", "2026-01-01T00:00:00Z kubeadm join completed on cp-2 (v1.34.2)\n");
      const result = join();
      expect(result.status).toBe(0);
      expect(result.stdout).toBe("cp-2 already joined: 2026-01-01T00:00:00Z kubeadm join completed on cp-2 (v1.34.2)\n");
      expect([calls("kubeadm"), calls("kubectl"), calls("etcdctl")]).toEqual([[], [], []]);
    });

    test.each<[string, string]>([
      ["a learner never started (no name yet), found by peer URL", "a1b2c3d4e5f60718, unstarted, , https://10.0.0.3:2380, , true\n"],
      ["a learner that started, found by name", "a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, true\n"],
      ["a voter already promoted (stopped after the etcd phase)", "a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, false\n"],
    ])("interrupted after adding %s: the member leaves, the Node is deleted, then reset and joined again", (_label, member) => {
      joinStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-join.started", "2026-01-01T00:00:00Z kubeadm join started on cp-2\n");
      write("state/members", voters + member);
      write("state/kubeadm.ok");
      const result = join();
      expect(result.stderr).toContain("bootstrap token not refreshed"); // the stand-in CA cannot sign; kubeadm tries the token as it is
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        "kubeadm join on cp-2 did not complete: it started (2026-01-01T00:00:00Z kubeadm join started on cp-2) and never finished, e.g. the machine lost power\n",
      );
      expect(result.stdout).toMatch(/removed this machine's etcd member a1b2c3d4e5f60718 from the cluster \(it was a (learner|voter)/);
      expect(result.stdout).toContain("deleted this machine's Node cp-2: it registers again when it joins\n");
      expect(result.stdout).toContain("kubeadm join done on cp-2\n");
      expect(etcdctlCalls()).toEqual([
        "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=5s member list -w simple",
        "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=10s member remove a1b2c3d4e5f60718",
      ]);
      expect(read("state/members")).toBe(voters);
      expect(calls("systemctl")).toEqual(["systemctl stop kubelet"]);
      expect(calls("kubectl").filter((c) => c.includes(" node "))).toEqual([
        `kubectl --kubeconfig ${file("etc/kubernetes/admin.conf")} --request-timeout=10s get node cp-2 --ignore-not-found -o jsonpath={.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address}`,
        `kubectl --kubeconfig ${file("etc/kubernetes/admin.conf")} --request-timeout=10s delete node cp-2 --wait=false`,
      ]);
      expect(calls("kubeadm")).toEqual(["kubeadm reset ca.crt:present", "kubeadm join ca.crt:present"]);
      expect(read("var/lib/pulumi-k8s-ha/kubeadm-join.done")).toContain("kubeadm join completed on cp-2");
      expect(fs.existsSync(file("var/lib/pulumi-k8s-ha/kubeadm-join.started"))).toBe(false);
      expectPlacedFilesIntact();
    });

    test("stopped between adding its member and writing the etcd manifest: the other members are found through the API", () => {
      joinStarted();
      fs.rmSync(file("etc/kubernetes/manifests/etcd.yaml"));
      write("var/lib/pulumi-k8s-ha/kubeadm-join.started", "x\n");
      write("state/etcd-pods", "https://10.0.0.1:2379\nhttps://10.0.0.2:2379\n");
      write("state/members", `${voters}a1b2c3d4e5f60718, unstarted, , https://10.0.0.3:2380, , true\n`);
      write("state/kubeadm.ok");
      const result = join();
      expect(result.status).toBe(0);
      expect(etcdctlCalls()[0]).toBe("--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=5s member list -w simple");
      expect(read("state/members")).toBe(voters);
    });

    test("stopped before its certs phase made etcd client certificates: it never added a member, no etcd call", () => {
      write("etc/kubernetes/admin.conf");
      write("var/lib/pulumi-k8s-ha/kubeadm-join.started", "x\n");
      write("state/kubeadm.ok");
      const result = join();
      expect(result.status).toBe(0);
      expect(calls("etcdctl")).toEqual([]);
      expect(calls("kubeadm")).toEqual(["kubeadm reset ca.crt:present", "kubeadm join ca.crt:present"]);
    });

    test("the other etcd members do not answer: not reset, its etcd data kept, the node and the manual fix named", () => {
      joinStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-join.started", "x\n");
      write("state/etcd.down");
      const result = join();
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("not resetting cp-2: kubeadm reset would delete its etcd data");
      expect(result.stdout).toContain("run kubeadm reset --force on cp-2, then pulumi up again");
      expect(result.stderr).toContain("the other etcd members (https://10.0.0.1:2379,https://10.0.0.2:2379) did not answer: Error: context deadline exceeded");
      expect(calls("kubeadm")).toEqual([]);
      expect(fs.existsSync(file("etc/kubernetes/manifests/etcd.yaml"))).toBe(true);
    });

    test("a Node of the same name with another machine's address is left alone", () => {
      joinStarted();
      write("var/lib/pulumi-k8s-ha/kubeadm-join.started", "x\n");
      write("state/members", voters);
      write("state/node", "cp-2 10.9.9.9");
      write("state/kubeadm.ok");
      const result = join();
      expect(result.stdout).toContain("Node cp-2 has address 10.9.9.9, not this machine's 10.0.0.3: left as it is\n");
      expect(calls("kubectl").some((c) => c.includes("delete node"))).toBe(false);
    });

    test("no records at all (an earlier version's join): registered with a started voter member is complete, recorded now", () => {
      joinStarted();
      write("state/members", `${voters}a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, false\n`);
      const result = join();
      expect(result.status).toBe(0);
      expect(result.stdout).toBe("cp-2 already joined (no completion record, recorded now): Node cp-2 is registered and its etcd member is a started voter\n");
      expect(calls("kubeadm")).toEqual([]);
      expect(read("var/lib/pulumi-k8s-ha/kubeadm-join.done")).toContain("kubeadm join found complete on cp-2");
    });

    test("no records, and its member is still a learner: not complete, so undone and joined again", () => {
      joinStarted();
      write("state/members", `${voters}a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, true\n`);
      write("state/kubeadm.ok");
      const result = join();
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        "kubeadm join on cp-2 did not complete: Node cp-2 is registered but its etcd member is not a started voter (a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, true)\n",
      );
      expect(read("state/members")).toBe(voters);
      expect(calls("kubeadm")).toEqual(["kubeadm reset ca.crt:present", "kubeadm join ca.crt:present"]);
    });

    test("no records, and neither the API nor etcd answers within the bound: refused, nothing reset", () => {
      joinStarted();
      write("state/api.down");
      write("state/etcd.down");
      const result = join();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("cannot tell whether kubeadm join on cp-2 completed: neither the API nor etcd");
      expect(result.stderr).toContain("run kubeadm reset --force on cp-2, then pulumi up again");
      expect(calls("kubeadm")).toEqual([]);
    });
  });

  describe("a failed kubeadm (the failure path) resets safely", () => {
    test.each<[string, string | undefined, string, string[], string]>([
      ["no stacked etcd member (external etcd, or the join failed before etcd)", undefined, "", [], "resetting cp-2"],
      [
        "a member of a cluster it can reach: removed from it first",
        "cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380,cp-2=https://10.0.0.3:2380",
        `${voters}a1b2c3d4e5f60718, started, cp-2, https://10.0.0.3:2380, https://10.0.0.3:2379, true\n`,
        [
          "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=5s member list -w simple",
          "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=10s member remove a1b2c3d4e5f60718",
        ],
        "removed this machine's etcd member a1b2c3d4e5f60718 from the cluster (it was a learner)",
      ],
      [
        "no member of it in the list (never added, or removed already)",
        "cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380,cp-2=https://10.0.0.3:2380",
        voters,
        ["--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379 --command-timeout=5s member list -w simple"],
        "resetting cp-2",
      ],
    ])("a failed join on a machine with %s is reset, and the placed files come back", (_label, initialCluster, members, expectedEtcdctl, message) => {
      // The failing kubeadm's certs phase ran (the etcd client certificate exists) and, with a manifest, its etcd phase did.
      write("state/leaves/etc/kubernetes/pki/etcd/healthcheck-client.crt");
      if (initialCluster !== undefined) etcdManifest("https://10.0.0.3:2380", initialCluster, "state/leaves/");
      write("state/members", members);
      const result = join();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("kubeadm join failed on cp-2");
      expect(result.stderr).toContain(message);
      expect(calls("kubeadm")).toEqual(["kubeadm join ca.crt:present", "kubeadm reset ca.crt:present"]);
      expect(etcdctlCalls()).toEqual(expectedEtcdctl);
      for (const name of ["etc/kubernetes/pki/ca.crt", "etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/sa.key", "etc/kubernetes/pki/etcd/ca.crt"]) {
        expect(result.stderr).toContain(`restored ${file(name)}\n`);
      }
      expectPlacedFilesIntact();
      // No completion record; the start record says the next run finds a failed (reset) join.
      expect(fs.existsSync(file("var/lib/pulumi-k8s-ha/kubeadm-join.done"))).toBe(false);
      expect(fs.existsSync(file("var/lib/pulumi-k8s-ha/kubeadm-join.started"))).toBe(true);
    });

    test("a failed init whose etcd is a cluster of its own is reset", () => {
      etcdManifest("https://10.0.0.1:2380", "cp-0=https://10.0.0.1:2380", "state/leaves/");
      const result = init();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("resetting cp-0");
      expect(calls("kubeadm")).toEqual(["kubeadm init ca.crt:present", "kubeadm reset ca.crt:present"]);
      expect(calls("etcdctl")).toEqual([]);
      expectPlacedFilesIntact();
    });

    test("a member whose cluster cannot be asked is not reset: its data and the placed files stay", () => {
      write("state/leaves/etc/kubernetes/pki/etcd/healthcheck-client.crt");
      etcdManifest("https://10.0.0.3:2380", "cp-0=https://10.0.0.1:2380,cp-2=https://10.0.0.3:2380", "state/leaves/");
      write("state/etcd.down");
      const result = join();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("the other etcd members (https://10.0.0.1:2379) did not answer: Error: context deadline exceeded\n");
      expect(result.stderr).toContain("not resetting cp-2");
      expect(calls("kubeadm")).toEqual(["kubeadm join ca.crt:present"]);
      expect(fs.existsSync(file("etc/kubernetes/manifests/etcd.yaml"))).toBe(true);
      expectPlacedFilesIntact();
    });

    test("placed files an earlier reset removed are restored before kubeadm runs again", () => {
      fs.rmSync(file("etc/kubernetes/pki"), { recursive: true });
      const result = init();
      expect(result.stdout.split("\n").slice(0, 5).sort()).toEqual(
        ["etc/kubernetes/pki/ca.crt", "etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/etcd/ca.crt", "etc/kubernetes/pki/etcd/ca.key", "etc/kubernetes/pki/sa.key"]
          .map((n) => `restored ${file(n)}`)
          .sort(),
      );
      expect(calls("kubeadm")[0]).toBe("kubeadm init ca.crt:present");
    });
  });

  describe("a machine that replaces another", () => {
    const planned = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
    /** Real CAs (the hygiene signs client certificates with them), placed and in the pristine copy. */
    function realCas() {
      for (const [crt, key] of [["etc/kubernetes/pki/ca.crt", "etc/kubernetes/pki/ca.key"], ["etc/kubernetes/pki/etcd/ca.crt", "etc/kubernetes/pki/etcd/ca.key"]]) {
        const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=test CA", "-keyout", file(key), "-out", file(crt)], { encoding: "utf8" });
        expect(made.status).toBe(0);
        for (const f of [crt, key]) {
          const copy = path.join(file("var/lib/pulumi-k8s-ha/placed"), file(f));
          fs.mkdirSync(path.dirname(copy), { recursive: true });
          fs.copyFileSync(file(f), copy);
        }
      }
    }

    test("before joining it removes the etcd member of the machine it replaces and a learner an interrupted join left, and the old machine's Node; planned and answering members stay", () => {
      realCas();
      write("state/kubeadm.ok");
      write(
        "state/members",
        voters +
          "aa11aa11aa11aa11, started, cp-2, https://10.0.0.9:2380, https://10.0.0.9:2379, false\n" +
          "bb22bb22bb22bb22, unstarted, , https://10.0.0.8:2380, , true\n" +
          "cc33cc33cc33cc33, started, cp-9, https://10.0.0.7:2380, https://10.0.0.7:2379, false\n",
      );
      write("state/dead", "https://10.0.0.9:2379\n");
      write("state/node", "cp-2 10.0.0.9");
      const result = run(kubeadmJoinScript({ plannedAddresses: planned }));
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("removed etcd member cp-2 (https://10.0.0.9:2380, started): it belongs to no planned machine and does not answer\n");
      expect(result.stdout).toContain("removed etcd member bb22bb22bb22bb22 (https://10.0.0.8:2380, unstarted): it belongs to no planned machine and never started\n");
      expect(result.stdout).toContain("etcd member cp-9 (https://10.0.0.7:2380) is no planned machine's but answers: left to the membership step\n");
      expect(result.stdout).toContain("deleted Node cp-2 of the replaced machine 10.0.0.9\n");
      expect(read("state/members")).toBe(voters + "cc33cc33cc33cc33, started, cp-9, https://10.0.0.7:2380, https://10.0.0.7:2379, false\n");
      // Only the planned others are asked (never the machine itself or the stale ones), and then kubeadm joins.
      expect(calls("etcdctl").filter((c) => c.includes("member ")).map((c) => /--endpoints=(\S+)/.exec(c)?.[1])).toEqual([
        "https://10.0.0.1:2379,https://10.0.0.2:2379",
        "https://10.0.0.1:2379,https://10.0.0.2:2379",
        "https://10.0.0.1:2379,https://10.0.0.2:2379",
      ]);
      expect(calls("kubeadm")).toEqual(["kubeadm join ca.crt:present"]);
      // The one-day client certificates lived in a temporary directory that is gone.
      expect(calls("etcdctl").every((c) => !fs.existsSync(/--cert=(\S+)/.exec(c)![1]))).toBe(true);
    });

    test("a Node of this name on a planned machine's address, or this machine's own, is kept", () => {
      realCas();
      write("state/kubeadm.ok");
      write("state/members", voters);
      write("state/node", "cp-2 10.0.0.2");
      expect(run(kubeadmJoinScript({ plannedAddresses: planned })).status).toBe(0);
      expect(calls("kubectl").filter((c) => c.includes("delete node"))).toEqual([]);
    });

    test("the first control plane joins instead of initialising when another planned control plane serves the cluster", () => {
      write("state/kubeadm.ok");
      write("state/serving", "https://10.0.0.2:6443/healthz");
      const script = kubeadmInitScript({
        existingClusterUrl: "https://10.0.0.100:6443/healthz",
        peerApiUrls: ["https://10.0.0.2:6443/healthz", "https://10.0.0.3:6443/healthz"],
        joinScript: sandboxed(kubeadmJoinScript({ plannedAddresses: planned }), root, { API_WAIT_SECONDS: 0 }),
      });
      const result = run(script);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("joins the cluster instead of initialising one: https://10.0.0.2:6443/healthz already serves this cluster\n");
      expect(calls("kubeadm")).toEqual(["kubeadm join ca.crt:present"]);
      expect(fs.existsSync(file("var/lib/pulumi-k8s-ha/kubeadm-join.done"))).toBe(true);
      // Later runs stay on the join path (and find it done), even when nothing answers.
      fs.rmSync(file("state/serving"));
      const again = run(script);
      expect(again.stdout).toContain("joins the cluster instead of initialising one: it took the join path before\n");
      expect(again.stdout).toContain("already joined");
      expect(calls("kubeadm")).toEqual(["kubeadm join ca.crt:present"]);
    });

    test("nobody serves the cluster: the first control plane initialises it", () => {
      write("state/kubeadm.ok");
      const result = run(kubeadmInitScript({ existingClusterUrl: "https://10.0.0.100:6443/healthz", peerApiUrls: ["https://10.0.0.2:6443/healthz"], joinScript: "exit 9" }));
      expect(result.status).toBe(0);
      expect(calls("kubeadm")).toEqual(["kubeadm init ca.crt:present"]);
      expect(calls("curl")).toEqual(["curl https://10.0.0.100:6443/healthz", "curl https://10.0.0.2:6443/healthz"]);
    });
  });

  test("the place-files step keeps a root-only pristine copy of every file, same content and mode", () => {
    for (const [name, f] of Object.entries(placed)) {
      const copy = path.join(file("var/lib/pulumi-k8s-ha/placed"), file(name));
      expect(fs.readFileSync(copy, "utf8")).toBe(f.content);
      expect((fs.statSync(copy).mode & 0o777).toString(8)).toBe(f.mode.slice(1));
    }
    expect(fs.statSync(file("var/lib/pulumi-k8s-ha/placed")).mode & 0o777).toBe(0o700);
  });
});
