/**
 * Scale-up and scale-down of the external etcd tier on real hosts: the library's EtcdCluster brings up 3 members, then the same
 * component with 5 hosts (a second `pulumi up`) adds two: each new member adds itself to the running cluster as
 * a learner, starts with state "existing" and promotes itself; the running members are neither restarted nor
 * reconfigured, and the data survives. Then back to 3: the membership step removes the two members no longer
 * planned (moving leadership off first) before the gate checks for exactly 3. As in the other integration tests only the preparation marker is written
 * by the test (simulating cloud-init).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../../src/cluster/types";
import { ExecutingMocks, setExecutingMocks } from "./harness/executingMocks";
import { outputValue } from "./harness/outputs";
import { startTestbed, Testbed, testbedNamespaces } from "./harness/testbed";
import { simulatedPreparationCommand } from "./harness/upstreamCache";
import { certRequestState, locallySignedCertState, privateKeyState, Props, selfSignedCertState } from "./harness/tlsResources";

jest.setTimeout(120_000);

const MOCK_OPTIONS = { connectTimeoutSeconds: 1, dialRetryDelayMs: 200, maxDialWaitMs: 30_000 };
const ZONES = ["rack-a", "rack-b", "rack-c"];
/** Resource types whose state a later `pulumi up` keeps (keys, certificates, the bootstrap record). */
const TLS_AND_RANDOM = {
  "tls:index/privateKey:PrivateKey": true,
  "tls:index/selfSignedCert:SelfSignedCert": true,
  "tls:index/certRequest:CertRequest": true,
  "tls:index/locallySignedCert:LocallySignedCert": true,
  "random:index/randomString:RandomString": true,
};

let tb: Testbed;
let mocks: ExecutingMocks;
let previous: ExecutingMocks;
let cluster: typeof import("../../src/cluster");

const host = (index: number): ClusterHost => ({
  name: `etcd-${index}`,
  zone: ZONES[index % 3],
  privateAddress: tb.hosts[index].address,
  connection: { host: tb.hosts[index].address, user: "root", privateKey: pulumi.secret(tb.privateKeyPem) },
});
const etcdCluster = (count: number) =>
  new cluster.EtcdCluster("up", { clusterName: "up", zones: ZONES, hosts: Array.from({ length: count }, (_, i) => host(i)), gateTimeoutSeconds: 60, hostReadyTimeoutMinutes: 1 });
const etcdctl = (args: string) =>
  `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/server.crt --key=/etc/etcd/pki/server.key ${args}`;
const etcdPid = async (name: string) => (await tb.run(name, "pgrep -x etcd || true")).trim();

beforeAll(async () => {
  mocks = await setExecutingMocks(MOCK_OPTIONS);
  cluster = await import("../../src/cluster");
  tb = await startTestbed(5);
  await Promise.all(tb.hosts.map((h) => tb.run(h, simulatedPreparationCommand())));
});

afterAll(async () => {
  await tb?.stop();
  expect(await testbedNamespaces()).toEqual([]);
});

test("3 members, then 5: the new members join as learners and are promoted; the others keep running", async () => {
  const first = await outputValue(etcdCluster(3).quorum, 60_000);
  expect(first.observed).toMatchObject({ ok: true, healthyMembers: 3 });
  await tb.run("h1", etcdctl("put /up/before scale-up"));
  const pids = await Promise.all(["h1", "h2", "h3"].map(etcdPid));

  // The second `pulumi up`: tls resources that exist keep their keys and certificates (as the provider's state
  // would); the new members' keys and certificates are made anew, signed by the same CA.
  previous = mocks;
  const generate: Record<string, (inputs: Props) => Promise<Props>> = {
    "tls:index/privateKey:PrivateKey": privateKeyState,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCertState,
    "tls:index/certRequest:CertRequest": certRequestState,
    "tls:index/locallySignedCert:LocallySignedCert": locallySignedCertState,
  };
  const reuseOrGenerate = (type: string) => (inputs: Props, name: string) =>
    previous.records.some((r) => r.name === name) ? Promise.resolve(previous.record(name).state!) : generate[type](inputs);
  // The bootstrap record ignores changes to its keepers: its state keeps the first member set, as here.
  const keepRecord = (_inputs: Props, name: string) => Promise.resolve(previous.record(name).state!);
  mocks = await setExecutingMocks({
    ...MOCK_OPTIONS,
    handlers: { ...Object.fromEntries(Object.keys(generate).map((t) => [t, reuseOrGenerate(t)])), "random:index/randomString:RandomString": keepRecord },
  });

  const started = Date.now();
  const quorum = await outputValue(etcdCluster(5).quorum, 110_000);
  console.log(`scale-up 3 -> 5 members: ${Date.now() - started} ms`);
  expect(quorum.observed).toMatchObject({ ok: true, expectedMembers: 5, healthyMembers: 5, alarms: [], problems: [] });
  expect(quorum.observed!.members.every((m) => !m.isLearner)).toBe(true);
  expect(quorum.observed!.clusterIds).toHaveLength(1);
  for (const name of ["up-etcd-3-start", "up-etcd-4-start"]) {
    const stdout = String(mocks.record(name).state!.stdout);
    expect(stdout).toContain("joins the running cluster: adding it as a learner");
    expect(stdout).toMatch(/is a voting member$/);
  }
  // The running members are not touched. Their start step's text is unchanged (a real `pulumi up` would not
  // run it again); run again here by the mocks, it leaves etcd alone, and the pids are the same.
  for (const i of [0, 1, 2]) {
    expect(mocks.record(`up-etcd-${i}-start`).inputs.create).toBe(previous.record(`up-etcd-${i}-start`).inputs.create);
    expect(mocks.record(`up-etcd-${i}-start`).state!.stdout).toBe(`etcd already running (pid ${pids[i]}) with this configuration`);
  }
  expect(await Promise.all(["h1", "h2", "h3"].map(etcdPid))).toEqual(pids);
  expect(await tb.run("h5", etcdctl("get /up/before --print-value-only"))).toBe("scale-up\n");
});

test("5 members, then 3: the two no longer planned leave etcd (leadership moved off first), the gate wants exactly 3", async () => {
  const listed = await tb.run("h1", etcdctl("member list -w simple"));
  const idOf = (name: string) => listed.split("\n").find((line) => line.split(", ")[2] === name)!.split(",")[0];
  // Make a member that is about to be removed the leader, so the step has to move leadership off it.
  // JSON, not the table: its columns differ between etcdctl releases (3.6 added some).
  const statuses = JSON.parse(await tb.run("h1", etcdctl("endpoint status --cluster -w json"))) as { Endpoint: string; Status: { leader: string; header: { member_id: string } } }[];
  const leaderEndpoint = statuses.find((st) => String(st.Status.leader) === String(st.Status.header.member_id))!.Endpoint;
  await tb.run("h1", etcdctl(`move-leader ${idOf("etcd-4")}`).replace("https://127.0.0.1:2379", leaderEndpoint));

  const before = mocks;
  const reuse = (_inputs: Props, name: string) => Promise.resolve((before.records.some((r) => r.name === name) ? before : previous).record(name).state!);
  mocks = await setExecutingMocks({
    ...MOCK_OPTIONS,
    handlers: Object.fromEntries([...Object.keys(TLS_AND_RANDOM)].map((t) => [t, reuse])),
  });
  const started = Date.now();
  const quorum = await outputValue(etcdCluster(3).quorum, 110_000);
  console.log(`scale-down 5 -> 3 members: ${Date.now() - started} ms`);
  const membership = String(mocks.record("up-membership").state!.stdout);
  expect(membership).toContain("moved leadership from etcd-4 to");
  expect(membership).toContain(`removed etcd member etcd-4 (${idOf("etcd-4")})`);
  expect(membership).toContain(`removed etcd member etcd-3 (${idOf("etcd-3")})`);
  expect(quorum.observed).toMatchObject({ ok: true, expectedMembers: 3, healthyMembers: 3, problems: [] });
  const after = await tb.run("h1", etcdctl("member list -w simple"));
  expect(after.trim().split("\n").map((line) => line.split(", ")[2]).sort()).toEqual(["etcd-0", "etcd-1", "etcd-2"]);
  expect(await tb.run("h2", etcdctl("get /up/before --print-value-only"))).toBe("scale-up\n");
});
