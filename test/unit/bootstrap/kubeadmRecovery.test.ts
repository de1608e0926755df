import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFileBundle } from "../../../src/bootstrap/fileBundle";
import { paths } from "../../../src/bootstrap/paths";
import { kubeadmInitScript, kubeadmJoinScript, placeFilesScript } from "../../../src/bootstrap/scripts";

/** Replaces the script's `readonly NAME='...'` parameters. */
function withParameters(script: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((text, [name, value]) => {
    const line = new RegExp(`^readonly ${name}='[^']*'$`, "m");
    if (!line.test(text)) throw new Error(`no parameter ${name}`);
    return text.replace(line, `readonly ${name}='${value}'`);
  }, script);
}

test("control planes keep the pristine copy under the bootstrap's state directory", () => {
  expect(paths.placedFilesDir).toBe("/var/lib/pulumi-k8s-ha/placed");
  expect(placeFilesScript({ allowedDirectories: ["/etc/kubernetes"] })).toContain("readonly PRISTINE_DIR=''");
  expect(() => placeFilesScript({ allowedDirectories: ["/etc/kubernetes"], pristineCopyDir: "var/placed" })).toThrow(
    new Error('place files: pristineCopyDir must be an absolute plain path, got "var/placed"'),
  );
});

/**
 * A failed init or join, run for real on a temporary "machine": the place-files step places CAs and kubeadm's
 * configuration (keeping its pristine copy), kubeadm is a stand-in that fails and whose `reset` deletes pki/ and
 * manifests/ as the real one does, and etcdctl a stand-in answering from a file.
 */
describe("retrying a failed kubeadm init or join is safe", () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => path.join(root, name);
  const read = (name: string) => (fs.existsSync(file(name)) ? fs.readFileSync(file(name), "utf8") : "");
  const placed: Record<string, { mode: string; content: string }> = {
    "etc/kubernetes/pki/ca.crt": { mode: "0644", content: "cluster CA certificate\n" },
    "etc/kubernetes/pki/ca.key": { mode: "0600", content: "cluster CA key\n" },
    "etc/kubernetes/pki/sa.key": { mode: "0600", content: "service-account key\n" },
    "etc/kubernetes/pki/etcd/ca.crt": { mode: "0644", content: "etcd CA certificate\n" },
    "etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml": { mode: "0600", content: "kind: InitConfiguration\n" },
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-recover-"));
    fs.mkdirSync(file("bin"));
    fs.writeFileSync(
      file("bin/kubeadm"),
      `#!/bin/bash
echo "kubeadm $1 ca.crt:$([ -f "${root}/etc/kubernetes/pki/ca.crt" ] && echo present || echo missing)" >> "${root}/kubeadm.calls"
if [ "$1" = reset ]; then rm -rf "${root}/etc/kubernetes/pki" "${root}/etc/kubernetes/manifests"; exit 0; fi
echo "[preflight] some check failed"
exit 1
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      file("bin/etcdctl"),
      `#!/bin/bash
echo "etcdctl $*" >> "${root}/etcdctl.calls"
if [ -f "${root}/etcd.down" ]; then echo "Error: context deadline exceeded" >&2; exit 1; fi
case "$*" in
  *"member list"*) cat "${root}/members" ;;
esac
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      file("members"),
      "8e9e05c52164694d, started, cp-0, https://10.0.0.1:2380, https://10.0.0.1:2379, false\n" +
        "91bc3c398fb3c146, started, cp-1, https://10.0.0.2:2380, https://10.0.0.2:2379, true\n",
    );
    env = { ...process.env, PATH: `${file("bin")}:${process.env.PATH}` };
    const bundle = renderFileBundle(Object.entries(placed).map(([name, f]) => ({ path: file(name), ...f })));
    const place = spawnSync("bash", ["-c", placeFilesScript({ allowedDirectories: [file("etc/kubernetes")], pristineCopyDir: file("pristine") })], {
      input: bundle,
      encoding: "utf8",
    });
    expect(place.stdout).toContain("5 file(s) written, 0 unchanged");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function stackedMember(initialCluster: string) {
    fs.mkdirSync(file("etc/kubernetes/manifests"), { recursive: true });
    fs.writeFileSync(
      file("etc/kubernetes/manifests/etcd.yaml"),
      `spec:\n  containers:\n  - command:\n    - etcd\n    - --initial-advertise-peer-urls=https://10.0.0.2:2380\n    - --initial-cluster=${initialCluster}\n    - --initial-cluster-state=existing\n`,
    );
  }

  const recoveryParameters = () => ({
    LOG_DIR: file("log"),
    PRISTINE_DIR: file("pristine"),
    ETCD_MANIFEST: file("etc/kubernetes/manifests/etcd.yaml"),
    CA_FILE: file("etc/kubernetes/pki/etcd/ca.crt"),
    CERT_FILE: file("etc/kubernetes/pki/etcd/healthcheck-client.crt"),
    KEY_FILE: file("etc/kubernetes/pki/etcd/healthcheck-client.key"),
  });

  function init() {
    const script = withParameters(kubeadmInitScript({ existingClusterUrl: "https://127.0.0.1:1/healthz" }), {
      ADMIN_CONF: file("etc/kubernetes/admin.conf"),
      CLUSTER_CA: file("etc/kubernetes/pki/ca.crt"),
      CONFIG_FILE: file("etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml"),
      ...recoveryParameters(),
    }).replaceAll("/usr/local/bin/etcdctl ", `${file("bin/etcdctl")} `);
    return spawnSync("bash", ["-c", script], { encoding: "utf8", env, timeout: 30_000 });
  }

  function expectPlacedFilesIntact() {
    for (const [name, f] of Object.entries(placed)) {
      expect(`${name}: ${read(name)}`).toBe(`${name}: ${f.content}`);
      expect(`${name}: ${(fs.statSync(file(name)).mode & 0o777).toString(8)}`).toBe(`${name}: ${f.mode.slice(1)}`);
    }
  }

  test("the place-files step keeps a root-only pristine copy of every file, same content and mode", () => {
    for (const [name, f] of Object.entries(placed)) {
      const copy = path.join(file("pristine"), file(name));
      expect(fs.readFileSync(copy, "utf8")).toBe(f.content);
      expect((fs.statSync(copy).mode & 0o777).toString(8)).toBe(f.mode.slice(1));
    }
    expect(fs.statSync(file("pristine")).mode & 0o777).toBe(0o700);
  });

  test.each<[string, string | undefined, string[], string]>([
    ["no stacked etcd member (external etcd, or the join failed before etcd)", undefined, [], "resetting this node"],
    ["the only member of a cluster of its own (a failed init)", "cp-1=https://10.0.0.2:2380", [], "resetting this node"],
    [
      "a member of a cluster it can reach: removed from it first",
      "cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380",
      [
        "--endpoints=https://10.0.0.1:2379 --command-timeout=5s member list -w simple",
        "--endpoints=https://10.0.0.1:2379 --command-timeout=10s member remove 91bc3c398fb3c146",
      ],
      "removed this machine's etcd member 91bc3c398fb3c146 from the cluster",
    ],
    [
      "no member of it in the list (never added, or removed already)",
      "cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380,cp-2=https://10.0.0.3:2380",
      ["--endpoints=https://10.0.0.1:2379,https://10.0.0.3:2379 --command-timeout=5s member list -w simple"],
      "resetting this node",
    ],
  ])("a failed step on a machine with %s is reset, and the placed files come back", (_label, initialCluster, etcdctlCalls, message) => {
    if (initialCluster !== undefined) stackedMember(initialCluster);
    if (initialCluster?.includes("cp-2")) fs.writeFileSync(file("members"), "8e9e05c52164694d, started, cp-0, https://10.0.0.1:2380, https://10.0.0.1:2379, false\n");
    const result = init();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(read("kubeadm.calls")).toBe("kubeadm init ca.crt:present\nkubeadm reset ca.crt:present\n");
    const calls = read("etcdctl.calls").trim();
    const short = (call: string) =>
      call.replace(/^etcdctl (--endpoints=\S+) --cacert=\S+ --cert=\S+ --key=\S+ --dial-timeout=1s --command-timeout=2s /, "$1 ");
    expect(calls === "" ? [] : calls.split("\n").map(short)).toEqual(etcdctlCalls);
    for (const name of ["etc/kubernetes/pki/ca.crt", "etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/sa.key", "etc/kubernetes/pki/etcd/ca.crt"]) {
      expect(result.stderr).toContain(`restored ${file(name)}\n`);
    }
    expectPlacedFilesIntact();
  });

  test("a member whose cluster cannot be asked is not reset: its data and the placed files stay", () => {
    stackedMember("cp-0=https://10.0.0.1:2380,cp-1=https://10.0.0.2:2380");
    fs.writeFileSync(file("etcd.down"), "");
    const result = init();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the other etcd members (https://10.0.0.1:2379) did not answer: Error: context deadline exceeded\n");
    expect(result.stderr).toContain("not resetting ");
    expect(read("kubeadm.calls")).toBe("kubeadm init ca.crt:present\n");
    expect(fs.existsSync(file("etc/kubernetes/manifests/etcd.yaml"))).toBe(true);
    expectPlacedFilesIntact();
  });

  test("placed files an earlier reset removed are restored before kubeadm runs again", () => {
    fs.rmSync(file("etc/kubernetes/pki"), { recursive: true });
    const result = init();
    expect(result.stdout.split("\n").slice(0, 4).sort()).toEqual(
      ["etc/kubernetes/pki/ca.crt", "etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/etcd/ca.crt", "etc/kubernetes/pki/sa.key"].map((n) => `restored ${file(n)}`).sort(),
    );
    expect(read("kubeadm.calls").split("\n")[0]).toBe("kubeadm init ca.crt:present");
  });

  test("a failed join is reset and gets its placed files back too", () => {
    const joinConfig = "etc/kubernetes/pulumi-k8s-ha/kubeadm-join.yaml";
    fs.writeFileSync(file(joinConfig), "kind: JoinConfiguration\n");
    const script = withParameters(kubeadmJoinScript(), {
      KUBELET_CONF: file("etc/kubernetes/kubelet.conf"),
      APISERVER_MANIFEST: file("etc/kubernetes/manifests/kube-apiserver.yaml"),
      CONFIG_FILE: file(joinConfig),
      CA_CERT: file("etc/kubernetes/pki/ca.crt"),
      CA_KEY: file("etc/kubernetes/pki/ca.key"),
      ...recoveryParameters(),
    }).replaceAll("/usr/local/bin/etcdctl ", `${file("bin/etcdctl")} `);
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8", env, timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(read("kubeadm.calls")).toBe("kubeadm join ca.crt:present\nkubeadm reset ca.crt:present\n");
    expect(result.stderr).toContain(`restored ${file("etc/kubernetes/pki/ca.key")}\n`);
    expectPlacedFilesIntact();
  });
});
