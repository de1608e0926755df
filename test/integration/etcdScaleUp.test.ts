/**
 * Scale-up of the external etcd tier on real hosts: the library's EtcdCluster brings up 3 members, then the same
 * component with 5 hosts (a second `pulumi up`) adds two: each new member adds itself to the running cluster as
 * a learner, starts with state "existing" and promotes itself; the running members are neither restarted nor
 * reconfigured, and the data survives. As in the other integration tests only the preparation marker is written
 * by the test (simulating cloud-init).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../../src/cluster/types";
import { ExecutingMocks, setExecutingMocks } from "./harness/executingMocks";
import { outputValue } from "./harness/outputs";
import { startTestbed, Testbed, testbedNamespaces } from "./harness/testbed";
import { certRequestState, locallySignedCertState, privateKeyState, Props, selfSignedCertState } from "./harness/tlsResources";

jest.setTimeout(120_000);

const MARKER = "/var/lib/pulumi-k8s-ha/node-prepared";
const MOCK_OPTIONS = { connectTimeoutSeconds: 1, dialRetryDelayMs: 200, maxDialWaitMs: 30_000 };
const ZONES = ["rack-a", "rack-b", "rack-c"];

let tb: Testbed;
let mocks: ExecutingMocks;
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
  `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/server.crt --key=/etc/etcd/pki/server.key ${args}`;
const etcdPid = async (name: string) => (await tb.run(name, "pgrep -x etcd || true")).trim();

beforeAll(async () => {
  mocks = await setExecutingMocks(MOCK_OPTIONS);
  cluster = await import("../../src/cluster");
  tb = await startTestbed(5);
  await Promise.all(tb.hosts.map((h) => tb.run(h, `mkdir -p /var/lib/pulumi-k8s-ha && date -u > ${MARKER}`)));
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
  const previous = mocks;
  const generate: Record<string, (inputs: Props) => Promise<Props>> = {
    "tls:index/privateKey:PrivateKey": privateKeyState,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCertState,
    "tls:index/certRequest:CertRequest": certRequestState,
    "tls:index/locallySignedCert:LocallySignedCert": locallySignedCertState,
  };
  const reuseOrGenerate = (type: string) => (inputs: Props, name: string) =>
    previous.records.some((r) => r.name === name) ? Promise.resolve(previous.record(name).state!) : generate[type](inputs);
  mocks = await setExecutingMocks({ ...MOCK_OPTIONS, handlers: Object.fromEntries(Object.keys(generate).map((t) => [t, reuseOrGenerate(t)])) });

  const started = Date.now();
  const quorum = await outputValue(etcdCluster(5).quorum, 110_000);
  console.log(`scale-up 3 -> 5 members: ${Date.now() - started} ms`);
  expect(quorum.observed).toMatchObject({ ok: true, expectedMembers: 5, healthyMembers: 5, alarms: [], problems: [] });
  expect(quorum.observed!.members.every((m) => !m.isLearner)).toBe(true);
  expect(quorum.observed!.clusterIds).toHaveLength(1);
  for (const name of ["up-etcd-3-start", "up-etcd-4-start"]) {
    const stdout = String(mocks.record(name).state!.stdout);
    expect(stdout).toContain("joins the running cluster: adding it as a learner");
    expect(stdout).toMatch(/promoted to voting member$/);
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
