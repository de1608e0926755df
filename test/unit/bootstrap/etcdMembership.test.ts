/**
 * The membership step run for real (bash) against a stand-in etcdctl and kubectl that keep the member list in a file:
 * which members leave (scale-down by name, a replaced machine by address), and which Nodes go with them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createServer, Server } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { controlPlaneNodeMembershipScript, etcdMembershipScript } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

let root: string;
let server: Server;
let port: number;

beforeAll(async () => {
  // any_listening dials the endpoints first: something must accept on them.
  server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-membership-"));
  fs.mkdirSync(path.join(root, "bin"));
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(root, "bin", name), `#!/bin/bash\nR='${root}'\necho "${name} $*" >> "$R/calls"\n${body}\n`, { mode: 0o755 });
  stub(
    "etcdctl",
    `case "$*" in
  *"member list"*) cat "$R/members" ;;
  *"member remove "*) id="\${@: -1}"; sed -i "/^$id, /d" "$R/members" ;;
esac`,
  );
  stub("kubectl", "");
  stub("systemctl", "");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function run(members: string, plannedAddresses: string[]) {
  fs.writeFileSync(path.join(root, "members"), members);
  const script = etcdMembershipScript({
    desiredMembers: ["cp-0", "cp-1", "cp-2"],
    endpoints: [`https://127.0.0.1:${port}`],
    plannedAddresses,
    caFile: "/etc/kubernetes/pki/etcd/ca.crt",
    certFile: "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
    keyFile: "/etc/kubernetes/pki/etcd/healthcheck-client.key",
    kubeconfigFile: "/etc/kubernetes/admin.conf",
    timeoutSeconds: 10,
  });
  const result = spawnSync("bash", ["-c", sandboxed(script, root)], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
  const calls = fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n");
  return { ...result, calls, members: fs.readFileSync(path.join(root, "members"), "utf8") };
}

const member = (id: string, name: string, address: string) => `${id}, started, ${name}, https://${address}:2380, https://${address}:2379, false\n`;
const planned = member("a1", "cp-0", "10.0.0.1") + member("a2", "cp-1", "10.0.0.2");

test("a replaced machine's member (planned name, unplanned address) leaves; its name's Node, now the new machine's, stays; a scaled-down one leaves with its Node", () => {
  const r = run(planned + member("a3", "cp-2", "10.0.0.9") + member("a4", "cp-3", "10.0.0.4") + member("a5", "cp-2", "10.0.0.3"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split("\n")).toEqual([
    "removed etcd member cp-2 (a3) of a replaced machine (https://10.0.0.9:2380); Node cp-2 is the new machine's",
    "removed etcd member cp-3 (a4)",
    "deleted node cp-3",
  ]);
  expect(r.members).toBe(planned + member("a5", "cp-2", "10.0.0.3"));
  expect(r.calls.filter((c) => c.startsWith("kubectl"))).toEqual([`kubectl --kubeconfig ${root}/etc/kubernetes/admin.conf delete node cp-3 --ignore-not-found`]);
});

test("with scheduled snapshots installed, a snapshot is taken before the first member leaves", () => {
  const unit = path.join(root, "etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.service");
  fs.mkdirSync(path.dirname(unit), { recursive: true });
  fs.writeFileSync(unit, "[Service]\n");
  const r = run(planned + member("a3", "cp-2", "10.0.0.3") + member("a4", "cp-3", "10.0.0.4"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split("\n")[0]).toBe("etcd snapshot taken before the membership change");
  const snapshot = r.calls.indexOf("systemctl start pulumi-k8s-ha-etcd-snapshot.service");
  expect(snapshot).toBeGreaterThan(-1);
  expect(snapshot).toBeLessThan(r.calls.findIndex((c) => c.includes("member remove")));
});

test("without planned addresses, members are judged by name only", () => {
  const r = run(planned + member("a3", "cp-2", "10.0.0.9"), []);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe("etcd membership matches the plan (3 member(s))");
});

test("external etcd: Nodes of control planes no longer planned are deleted, planned ones kept", () => {
  fs.writeFileSync(path.join(root, "bin", "kubectl"), `#!/bin/bash\necho "kubectl $*" >> "${root}/calls"\ncase "$*" in *" get nodes "*) printf 'cp-0\\ncp-1\\ncp-2\\ncp-3\\n' ;; esac\n`, { mode: 0o755 });
  const script = controlPlaneNodeMembershipScript({ desiredNodes: ["cp-0", "cp-1", "cp-2"], kubeconfigFile: "/etc/kubernetes/admin.conf" });
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
  expect(result.stderr).toBe("");
  expect(result.stdout.trim()).toBe("deleted Node cp-3: no longer a planned control plane");
  expect(fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n")[1]).toBe(
    "kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=20s delete node cp-3 --ignore-not-found",
  );
});
