/**
 * The upgrade step's script run for real (bash, sandboxed paths) against stand-ins of kubectl, kubeadm, kubelet,
 * apt-get, apt-mark, dpkg, curl, gpg and systemctl that keep a small cluster state in files and log every call:
 * the order of kubeadm's upgrade, the resume points, the refusals and their messages. The real programs run it in
 * test/integration/kubernetesUpgrade.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kubernetesUpgradeScript, KubernetesUpgradeOptions } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

/** Stand-in bodies (`@{` for bash's `${`, as in the library's scripts). */
const STUBS: Record<string, string> = {
  kubectl: String.raw`
rest=()
while [ $# -gt 0 ]; do
  case "$1" in --kubeconfig|-n) shift 2 ;; --request-timeout=*) shift ;; *) rest+=("$1"); shift ;; esac
done
set -- "@{rest[@]}"
case "$1 $2" in
  "version --client") printf '{"clientVersion":{"gitVersion":"%s"}}\n' "$(cat "$S/kubectl")" ;;
  "get configmap") printf 'apiServer: {}\nkubernetesVersion: %s\n' "$(cat "$S/cluster")" ;;
  "get node")
    case "$*" in
      *kubeletVersion*) cat "$S/node" ;;
      *Ready*) echo True ;;
      *annotations*) cat "$S/annotation" 2>/dev/null || true ;;
      *unschedulable*) cat "$S/unschedulable" 2>/dev/null || true ;;
    esac ;;
  "get pod")
    component="@{3%-cp-*}"
    printf 'registry.k8s.io/%s:%s True' "$component" "$(sed -n 's|.*:\(v[0-9.]*\)$|\1|p' "$MANIFESTS/$component.yaml")" ;;
  "annotate --overwrite") echo "@{5#*=}" > "$S/annotation" ;;
  "annotate node") case "$4" in *-) rm -f "$S/annotation" ;; esac ;;
  "drain "*) echo true > "$S/unschedulable" ;;
  "uncordon "*) rm -f "$S/unschedulable" ;;
esac`,
  kubeadm: String.raw`
case "$1 $2" in
  "version -o") cat "$S/kubeadm" ;;
  "upgrade plan") echo "plan $3" ;;
  "upgrade apply")
    [ ! -f "$S/fail-apply" ] || { echo "[upgrade/apply] FATAL: static pod hash did not change"; exit 1; }
    for c in kube-apiserver kube-controller-manager kube-scheduler; do echo "    image: registry.k8s.io/$c:$3" > "$MANIFESTS/$c.yaml"; done
    echo "$3" > "$S/cluster" ;;
  "upgrade node")
    for c in kube-apiserver kube-controller-manager kube-scheduler; do echo "    image: registry.k8s.io/$c:$(cat "$S/cluster")" > "$MANIFESTS/$c.yaml"; done ;;
esac`,
  kubelet: String.raw`echo "Kubernetes $(cat "$S/kubelet")"`,
  "apt-get": String.raw`
for a in "$@"; do
  case "$a" in kubeadm=*|kubelet=*|kubectl=*) v="@{a#*=}"; echo "v@{v%-\*}" > "$S/@{a%%=*}" ;; esac
done`,
  "apt-mark": "",
  dpkg: String.raw`case "$1" in --audit) cat "$S/audit" 2>/dev/null || true ;; --configure) rm -f "$S/audit" ;; esac`,
  curl: "echo 'public key'",
  gpg: String.raw`cat >/dev/null
while [ $# -gt 0 ]; do if [ "$1" = -o ]; then echo keyring > "$2"; fi; shift; done`,
  systemctl: String.raw`if [ "$1 $2" = "restart kubelet" ]; then cp "$S/kubelet" "$S/node"; fi`,
};

let root: string;
let state: string;
let fakebin: string;
let manifests: string;

const OPTIONS: KubernetesUpgradeOptions = {
  kubernetesVersion: "1.34.2",
  nodeName: "cp-0",
  first: true,
  aptRepository: "https://mirror.example/v1.34/deb/",
  ignorePreflightErrors: ["SystemVerification"],
  waitReady: true,
  timeoutSeconds: 5,
};

/** The cluster, every binary and the node at `version`; this node's manifests at `manifestVersion`. */
function cluster(version: string, manifestVersion = version): void {
  for (const file of ["cluster", "kubeadm", "kubelet", "kubectl", "node"]) fs.writeFileSync(path.join(state, file), `${version}\n`);
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    fs.writeFileSync(path.join(manifests, `${c}.yaml`), `    image: registry.k8s.io/${c}:${manifestVersion}\n`);
  }
}

function set(file: string, value: string): void {
  fs.writeFileSync(path.join(state, file), `${value}\n`);
}

function run(options: Partial<KubernetesUpgradeOptions> = {}) {
  fs.rmSync(path.join(state, "calls"), { force: true });
  const script = sandboxed(kubernetesUpgradeScript({ ...OPTIONS, ...options }), root, { MANIFESTS_DIR: manifests });
  const result = spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, PATH: `${fakebin}:${process.env.PATH}`, S: state, MANIFESTS: manifests },
  });
  const calls = fs.existsSync(path.join(state, "calls")) ? fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim(), calls };
}

/** Calls that change something (reads left out). */
const changes = (calls: string[]) => calls.filter((c) => !/^(kubectl (--kubeconfig \S+ --request-timeout=10s )?(get|version|-n kube-system get)|kubeadm version|kubelet --version|dpkg --audit)/.test(c));

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-upgrade-"));
  state = path.join(root, "stub-state");
  fakebin = path.join(root, "bin");
  manifests = path.join(root, "manifests");
  for (const dir of [state, fakebin, manifests]) fs.mkdirSync(dir);
  for (const [name, body] of Object.entries(STUBS)) {
    fs.writeFileSync(path.join(fakebin, name), `#!/bin/bash\necho "${name} $*" >> "$S/calls"\n${body.replace(/@\{/g, "${")}\n`, { mode: 0o755 });
  }
  fs.mkdirSync(path.join(root, "etc/kubernetes"), { recursive: true });
  fs.writeFileSync(path.join(root, "etc/kubernetes/admin.conf"), "kubeconfig\n");
  cluster("v1.33.13");
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("kubernetesUpgradeScript on the first control plane", () => {
  test("at the version already: nothing is installed, applied or drained", () => {
    const r = run({ kubernetesVersion: "1.33.13" });
    expect(r).toMatchObject({ status: 0, stdout: "cp-0 already runs v1.33.13" });
    expect(changes(r.calls)).toEqual([]);
  });

  test("1.33 -> 1.34 in kubeadm's order: kubeadm from the target channel, plan, apply, drain, kubelet and kubectl, restart, uncordon", () => {
    const r = run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")).toEqual(["kubeadm v1.34.2 installed on cp-0", "kubeadm upgrade apply v1.34.2 on cp-0", "cp-0 uncordoned", expect.stringMatching(/^cp-0 upgraded to v1\.34\.2 in \d+ s$/)]);
    const made = changes(r.calls).map((c) => c.replace(/--kubeconfig \S+ --request-timeout=10s /, ""));
    // curl and gpg run as one pipeline: either may log first.
    expect(made.slice(0, 2).sort()).toEqual([
      "curl -fsSL https://mirror.example/v1.34/deb/Release.key",
      expect.stringMatching(/^gpg --batch --yes --dearmor -o \S+kubernetes-apt-keyring\.gpg\.new$/),
    ]);
    expect(made.slice(2)).toEqual([
      expect.stringMatching(/^apt-get -o DPkg::Lock::Timeout=600 -q update -o Dir::Etc::sourcelist=\S+kubernetes.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0$/),
      expect.stringMatching(/^apt-get .* install --allow-change-held-packages --allow-downgrades kubeadm=1\.34\.2-\*$/),
      expect.stringMatching(/^apt-mark .*hold kubeadm$/),
      "kubeadm upgrade plan v1.34.2 --ignore-preflight-errors=SystemVerification",
      "kubeadm upgrade apply v1.34.2 --yes --ignore-preflight-errors=SystemVerification",
      "kubectl annotate --overwrite node cp-0 pulumi-k8s-ha/cordoned-for-upgrade=v1.34.2",
      "kubectl drain cp-0 --ignore-daemonsets --delete-emptydir-data --timeout=5s",
      expect.stringMatching(/^apt-get .* install --allow-change-held-packages --allow-downgrades kubelet=1\.34\.2-\* kubectl=1\.34\.2-\*$/),
      expect.stringMatching(/^apt-mark .*hold kubelet kubectl$/),
      "systemctl daemon-reload",
      "systemctl restart kubelet",
      "kubectl uncordon cp-0",
      "kubectl annotate node cp-0 pulumi-k8s-ha/cordoned-for-upgrade-",
    ]);
    expect(fs.readFileSync(path.join(root, "etc/apt/sources.list.d/kubernetes.list"), "utf8")).toBe(
      `deb [signed-by=${root}/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://mirror.example/v1.34/deb/ /\n`,
    );
    // Run again: nothing left to do.
    expect(run()).toMatchObject({ status: 0, stdout: "cp-0 already runs v1.34.2" });
  });

  test("resumes after an interruption between kubeadm upgrade apply and the kubelet: no second apply", () => {
    expect(run({ kubernetesVersion: "1.34.2" }).status).toBe(0);
    // As if the machine lost power after apply: the kubelet and its package still at 1.33, the node cordoned by us.
    cluster("v1.34.2");
    set("kubelet", "v1.33.13");
    set("node", "v1.33.13");
    set("unschedulable", "true");
    set("annotation", "v1.34.2");
    const r = run();
    expect(r.status).toBe(0);
    const made = changes(r.calls).join("\n");
    expect(made).not.toContain("kubeadm upgrade");
    expect(made).toContain("systemctl restart kubelet");
    expect(made).toMatch(/kubectl .*uncordon cp-0/);
  });

  test("a dpkg run cut short is finished before apt installs", () => {
    set("audit", "The following packages are only half configured");
    const r = run();
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("dpkg --configure") || c.startsWith("curl"))).toEqual(["dpkg --configure -a", "curl -fsSL https://mirror.example/v1.34/deb/Release.key"]);
  });

  test("with scheduled snapshots installed, a snapshot is taken before kubeadm upgrade plan", () => {
    const unit = path.join(root, "etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.service");
    fs.mkdirSync(path.dirname(unit), { recursive: true });
    fs.writeFileSync(unit, "[Service]\n");
    const r = run();
    expect(r.status).toBe(0);
    const calls = changes(r.calls);
    expect(calls.indexOf("systemctl start pulumi-k8s-ha-etcd-snapshot.service")).toBeGreaterThan(-1);
    expect(calls.indexOf("systemctl start pulumi-k8s-ha-etcd-snapshot.service")).toBeLessThan(calls.findIndex((c) => c.startsWith("kubeadm upgrade plan")));
    expect(r.stdout).toContain("etcd snapshot taken on cp-0 before the upgrade");
  });

  test("a node the user cordoned stays cordoned", () => {
    set("unschedulable", "true");
    const r = run();
    expect(r.status).toBe(0);
    expect(changes(r.calls).filter((c) => /uncordon|annotate/.test(c))).toEqual([]);
  });

  test.each([
    ["1.35.0", "the cluster runs v1.33.13; upgrades go one minor at a time: set kubernetesVersion to 1.34.x first."],
    ["1.32.9", "the cluster runs v1.33.13; v1.32.9 would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to v1.33.13."],
    ["1.33.12", "the cluster runs v1.33.13; v1.33.12 would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to v1.33.13."],
  ])("%s is refused before anything changes", (version, message) => {
    const r = run({ kubernetesVersion: version });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toEqual([`upgrade of cp-0 to v${version}: ${message}`, `upgrade of cp-0 to v${version} failed at step: checking the cluster's version`]);
    expect(changes(r.calls)).toEqual([]);
  });

  test("a failed kubeadm upgrade apply names the node and the step and goes no further", () => {
    set("fail-apply", "yes");
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[upgrade/apply] FATAL: static pod hash did not change");
    expect(r.stderr).toContain("upgrade of cp-0 to v1.34.2: kubeadm upgrade apply v1.34.2 failed (log: ");
    expect(r.stderr.split("\n").pop()).toBe("upgrade of cp-0 to v1.34.2 failed at step: kubeadm upgrade apply v1.34.2");
    expect(changes(r.calls).join("\n")).not.toMatch(/drain|kubelet=|restart/);
  });

  test("without package installation, a machine whose kubeadm is not at the target is refused, naming it", () => {
    const r = run({ aptRepository: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "upgrade of cp-0 to v1.34.2: kubeadm is v1.33.13, not v1.34.2, and the library does not install packages here (installKubernetesPackages: false): install v1.34.2 on cp-0 and run again",
    );
    expect(changes(r.calls)).toEqual([]);
  });
});

describe("kubernetesUpgradeScript's quorum gate", () => {
  test("runs before anything changes; a cluster it finds unhealthy stops the upgrade, naming the problems", () => {
    const r = run({ preflightGateScript: 'echo "{}"; echo "  - member cp-2 (https://10.0.0.12:2379) is unhealthy: no answer" >&2; exit 1' });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toEqual([
      "- member cp-2 (https://10.0.0.12:2379) is unhealthy: no answer",
      "upgrade of cp-0 to v1.34.2: the cluster is not healthy enough for upgrading cp-0 (the quorum gate above)",
      "upgrade of cp-0 to v1.34.2 failed at step: quorum gate before upgrading cp-0",
    ]);
    expect(changes(r.calls)).toEqual([]);
  });

  test("a passing gate lets the upgrade go on; at the version the gate is not run at all", () => {
    const passed = run({ preflightGateScript: 'echo "{\"ok\": true}"' });
    expect(passed.status).toBe(0);
    expect(passed.stdout.split("\n")[0]).toBe("quorum gate passed before upgrading cp-0");
    const idle = run({ preflightGateScript: "exit 1" });
    expect(idle).toMatchObject({ status: 0, stdout: "cp-0 already runs v1.34.2" });
  });
});

describe("kubernetesUpgradeScript on another control plane", () => {
  test("waits for the first: refused while the cluster is not at the target", () => {
    const r = run({ nodeName: "cp-1", first: false });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("upgrade of cp-1 to v1.34.2: the cluster is at v1.33.13, not v1.34.2: the first control plane's upgrade (kubeadm upgrade apply) has not completed");
    expect(changes(r.calls)).toEqual([]);
  });

  test("runs kubeadm upgrade node, then the kubelet", () => {
    set("cluster", "v1.34.2");
    const r = run({ nodeName: "cp-1", first: false });
    expect(r.stderr).toBe("");
    const made = changes(r.calls).filter((c) => c.startsWith("kubeadm") || c.startsWith("systemctl"));
    expect(made).toEqual(["kubeadm upgrade node --ignore-preflight-errors=SystemVerification", "systemctl daemon-reload", "systemctl restart kubelet"]);
    expect(r.stdout).toMatch(/cp-1 upgraded to v1\.34\.2 in \d+ s$/);
  });
});
