/**
 * The certificate renewal step, run for real on a scratch copy of a control plane: kubeadm, crictl, curl and kubectl
 * are stand-ins that keep their state in files (kubeadm's expiry view, the running containers and when they started)
 * and log every call; openssl is the real one except for `s_client`, which presents the API server certificate on disk.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { certificateRenewalScript } from "../../../src/bootstrap/scripts";
import { sandboxed } from "../support/stepSandbox";

const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];
const DAY = 86_400;

const STAND_INS: Record<string, string> = {
  kubeadm: String.raw`#!/bin/bash
echo "kubeadm $*" >>"$STATE/calls"
case "$1 $2" in
  "certs check-expiration") cat "$STATE/expiry.json" ;;
  "certs renew")
    jq --arg d "$(date -u -d "+365 days" +%Y-%m-%dT%H:%M:%SZ)" '.certificates[].expirationDate = $d' "$STATE/expiry.json" >"$STATE/expiry.new"
    mv "$STATE/expiry.new" "$STATE/expiry.json"
    for f in "$PKI"/apiserver.crt "$PKI"/etcd/server.crt "$KDIR"/controller-manager.conf "$KDIR"/scheduler.conf; do touch "$f"; done ;;
  "init phase") ;;
esac`,
  crictl: String.raw`#!/bin/bash
[ "$1" = -r ] && shift 2
case "$1" in
  ps) name="$(printf '%s' "$*" | sed -n 's/.*--name \^\(.*\)\$.*/\1/p')"; cat "$STATE/$name.id" 2>/dev/null ;;
  inspect) id="$4"; jq -n --arg s "$(date -u -d "@$(cat "$STATE/$id.started")" +%Y-%m-%dT%H:%M:%S.000000000Z)" '{status: {startedAt: $s}}' ;;
  stop)
    id="$4"; name="$(cat "$STATE/$id.name")"; echo "stop $name" >>"$STATE/calls"
    new="$name-$RANDOM$RANDOM"; echo "$new" >"$STATE/$name.id"; echo "$name" >"$STATE/$new.name"; date +%s >"$STATE/$new.started" ;;
esac`,
  curl: String.raw`#!/bin/bash
case "$*" in
  *2379/health*) echo '{"health":"true"}' ;;
  *) printf ok ;;
esac`,
  kubectl: String.raw`#!/bin/bash
printf 'clusterName: demo\ncertificateValidityPeriod: 8760h0m0s\n'`,
  openssl: String.raw`#!/bin/bash
if [ "$1" = s_client ]; then cat "$PKI/apiserver.crt"; exit 0; fi
exec /usr/bin/openssl "$@"`,
};

let root: string;
let state: string;

function expiry(daysLeft: number): string {
  const date = new Date(Date.now() + daysLeft * DAY * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const later = new Date(Date.now() + 300 * DAY * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  return JSON.stringify({
    kind: "CertificateExpirationInfo",
    certificates: [
      { name: "admin.conf", expirationDate: date, residualTime: 0, externallyManaged: false, missing: false },
      { name: "apiserver", expirationDate: later, residualTime: 0, externallyManaged: false, missing: false },
      // Neither counts: the external etcd client files are the program's, and a missing one has no date.
      { name: "apiserver-etcd-client", expirationDate: "2026-01-01T00:00:00Z", residualTime: 0, externallyManaged: true, missing: false },
      { name: "front-proxy-client", expirationDate: "2026-01-01T00:00:00Z", residualTime: 0, externallyManaged: false, missing: true },
    ],
  });
}

/** A scratch control plane: kubeadm says the earliest expires in `daysLeft` days; each container started `startedAgo` s ago. */
function machine(daysLeft: number, startedAgo: Record<string, number>): void {
  fs.rmSync(root, { recursive: true, force: true });
  const pki = path.join(root, "etc/kubernetes/pki");
  fs.mkdirSync(path.join(pki, "etcd"), { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  const cert = spawnSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null", "-out", path.join(pki, "apiserver.crt"), "-days", "30", "-subj", "/CN=kube-apiserver"], { encoding: "utf8" });
  if (cert.status !== 0) throw new Error(cert.stderr);
  const now = Date.now() / 1000;
  for (const file of ["etcd/server.crt", "etcd/peer.crt", "../controller-manager.conf", "../scheduler.conf"]) fs.writeFileSync(path.join(pki, file), "x");
  // Every file was written an hour ago.
  for (const file of ["apiserver.crt", "etcd/server.crt", "etcd/peer.crt", "../controller-manager.conf", "../scheduler.conf"]) fs.utimesSync(path.join(pki, file), now - 3600, now - 3600);
  fs.writeFileSync(path.join(state, "expiry.json"), expiry(daysLeft));
  for (const name of COMPONENTS) {
    fs.writeFileSync(path.join(state, `${name}.id`), `${name}-1\n`);
    fs.writeFileSync(path.join(state, `${name}-1.name`), name);
    fs.writeFileSync(path.join(state, `${name}-1.started`), String(Math.floor(now - (startedAgo[name] ?? 60))));
  }
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const [name, text] of Object.entries(STAND_INS)) fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
}

function run(options: { renewWithinDays?: number; stackedEtcd?: boolean; gate?: string }) {
  const script = certificateRenewalScript({
    nodeName: "cp-1",
    first: false,
    renewWithinDays: options.renewWithinDays ?? 30,
    kubeadmConfig: "kind: ClusterConfiguration\ncertificateValidityPeriod: 8760h\n",
    stackedEtcd: options.stackedEtcd ?? true,
    apiServerPort: 6443,
    preflightGateScript: options.gate ?? `echo gate >>"${state}/calls"`,
    timeoutSeconds: 20,
  });
  const result = spawnSync("bash", ["-c", sandboxed(script, root)], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}`, STATE: state, PKI: path.join(root, "etc/kubernetes/pki"), KDIR: path.join(root, "etc/kubernetes") },
    timeout: 60_000,
  });
  const calls = fs.existsSync(path.join(state, "calls")) ? fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: calls.filter((c) => !c.startsWith("kubeadm certs check-expiration")) };
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-cert-renewal-"));
  state = path.join(root, "state");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("nothing due and every component started after its files: says so, runs no gate, renews and restarts nothing", () => {
  machine(200.5, {});
  const result = run({});
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^cp-1: earliest kubeadm certificate admin\.conf expires \S+ \(200 days left; renewal within 30 days\)$/m);
  expect(result.stdout).toContain("nothing to renew on cp-1");
  expect(result.calls).toEqual([]);
});

test("due: the gate, kubeadm certs renew all with the configuration, then etcd, API server, controller-manager, scheduler one at a time", () => {
  machine(10, {});
  const result = run({});
  expect(result.status).toBe(0);
  expect(result.calls).toEqual([
    "gate",
    expect.stringMatching(/^kubeadm certs renew all --config \/\S+$/),
    "stop etcd",
    "stop kube-apiserver",
    "stop kube-controller-manager",
    "stop kube-scheduler",
  ]);
  expect(result.stdout).toMatch(/^renewed kubeadm's certificates on cp-1: earliest now admin\.conf, \S+$/m);
  expect(result.stdout.match(/^restarted \S+/gm)).toEqual(COMPONENTS.map((c) => `restarted ${c}`));
  // Run again: nothing due, nothing stale.
  expect(run({}).calls).toEqual(result.calls);
});

test("a renewal cut short (files newer than the controller-manager's container): the gate, then that component only, no renewal", () => {
  machine(200, { "kube-controller-manager": 7200 });
  const result = run({});
  expect(result.status).toBe(0);
  expect(result.calls).toEqual(["gate", "stop kube-controller-manager"]);
});

test("external etcd: kubeadm's certificates renewed, no etcd container restarted", () => {
  machine(3, {});
  expect(run({ stackedEtcd: false }).calls.filter((c) => c.startsWith("stop"))).toEqual(["stop kube-apiserver", "stop kube-controller-manager", "stop kube-scheduler"]);
});

test("the gate fails: nothing renewed or restarted, the error names the node and the step", () => {
  machine(10, {});
  const result = run({ gate: "echo 'member cp-2 unhealthy' >&2; exit 1" });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain("member cp-2 unhealthy");
  expect(result.stderr).toContain("certificate renewal on cp-1 failed at step: quorum gate before renewing on cp-1: the cluster is not healthy enough for renewing on cp-1 (the quorum gate above)");
  expect(result.calls).toEqual([]);
});
