import * as pulumi from "@pulumi/pulumi";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { fakeHosts } from "../support/hosts";
import { installRecordingMocks, isSecretInput, named, ofType, outputValue, Registration, unwrapSecret } from "../support/recordingMocks";

const zones = ["zone-a", "zone-b", "zone-c"];
let registrations: Registration[];
let cluster: typeof import("../../../src/cluster");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  cluster = await import("../../../src/cluster");
});
beforeEach(() => registrations.splice(0));

function externalCluster(prefix: string, etcdCount = 3) {
  const etcd = new cluster.EtcdCluster(`${prefix}-etcd`, { clusterName: "prod", zones, hosts: fakeHosts("etcd", etcdCount, zones) });
  const controlPlane = new cluster.KubeadmControlPlane(prefix, {
    clusterName: "prod",
    zones,
    controlPlaneHosts: fakeHosts("cp", 3, zones).map((h, i) => ({ ...h, privateAddress: `10.1.${i}.20`, connection: { ...h.connection, host: `10.1.${i}.20` } })),
    etcdTopology: "external",
    externalEtcd: etcd,
    apiServerEndpoint: "10.9.9.9",
  });
  return { etcd, controlPlane };
}

describe("EtcdCluster + KubeadmControlPlane (external etcd)", () => {
  test("starts every member in one parallel wave, then gates, then kubeadm init", async () => {
    const { controlPlane } = externalCluster("x", 5);
    await outputValue(controlPlane.quorum);
    const starts = [0, 1, 2, 3, 4].map((i) => named(registrations, `x-etcd-etcd-${i}-start`));
    // One wave: every start arrives before any start finishes.
    expect(Math.max(...starts.map((s) => s.arrived))).toBeLessThan(Math.min(...starts.map((s) => s.resolved!)));
    const gate = named(registrations, "x-etcd-gate");
    const membership = named(registrations, "x-etcd-membership");
    expect(membership.arrived).toBeGreaterThan(Math.max(...starts.map((s) => s.resolved!)));
    expect(gate.arrived).toBeGreaterThan(membership.resolved!);
    // Every member bootstrapped the cluster: none of them tries to join a running one.
    for (const start of starts) expect(scriptOfRootCommand(String(start.inputs.create))).toContain("readonly JOIN_RUNNING_CLUSTER='false'");
    expect(named(registrations, "x-etcd-bootstrap-members").inputs.keepers).toEqual({ members: "etcd-0,etcd-1,etcd-2,etcd-3,etcd-4" });
    expect(named(registrations, "x-cp-0-init").arrived).toBeGreaterThan(gate.resolved!);
  });

  test("with external etcd the other control planes join in parallel after the first gate, then one gate checks all", async () => {
    const { controlPlane } = externalCluster("j");
    await outputValue(controlPlane.quorum);
    const [gate0, join1, join2, joined] = ["j-cp-0-gate", "j-cp-1-join", "j-cp-2-join", "j-joined-gate"].map((n) => named(registrations, n));
    expect(Math.min(join1.arrived, join2.arrived)).toBeGreaterThan(gate0.resolved!);
    expect(Math.max(join1.arrived, join2.arrived)).toBeLessThan(Math.min(join1.resolved!, join2.resolved!));
    expect(joined.arrived).toBeGreaterThan(Math.max(join1.resolved!, join2.resolved!));
    expect(scriptOfRootCommand(String(joined.inputs.create))).toContain("EXPECTED_READY_NODES='3'");
  });

  test("serialJoins: true joins one at a time even with external etcd", async () => {
    const etcd = new cluster.EtcdCluster("sj-etcd", { clusterName: "prod", zones, hosts: fakeHosts("etcd", 3, zones) });
    const cp = new cluster.KubeadmControlPlane("sj", {
      clusterName: "prod", zones, controlPlaneHosts: fakeHosts("cp", 3, zones), etcdTopology: "external", externalEtcd: etcd,
      apiServerEndpoint: "lb", serialJoins: true,
    });
    await outputValue(cp.quorum);
    expect(named(registrations, "sj-cp-2-join").arrived).toBeGreaterThan(named(registrations, "sj-cp-1-gate").resolved!);
    expect(registrations.map((r) => r.name)).not.toContain("sj-joined-gate");
  });

  test("member configuration lists the static initial cluster and TLS with client-cert auth", async () => {
    const { etcd } = externalCluster("c");
    await outputValue(etcd.quorum);
    const bundle = String(unwrapSecret(named(registrations, "c-etcd-etcd-1-files").inputs.stdin));
    const files = Object.fromEntries(bundle.trim().split("\n").map((line) => {
      const [mode, path, content] = line.split(" ");
      return [path, { mode, content: Buffer.from(content, "base64").toString() }];
    }));
    expect(Object.keys(files).sort()).toEqual([
      "/etc/etcd/etcd.conf.yml", "/etc/etcd/pki/ca.crt", "/etc/etcd/pki/peer.crt", "/etc/etcd/pki/peer.key",
      "/etc/etcd/pki/server.crt", "/etc/etcd/pki/server.key", "/etc/systemd/system/pulumi-k8s-ha-etcd.service",
    ]);
    const config = files["/etc/etcd/etcd.conf.yml"].content;
    expect(config).toContain("initial-cluster: etcd-0=https://10.0.0.10:2380,etcd-1=https://10.0.1.11:2380,etcd-2=https://10.0.2.12:2380");
    expect(config).toContain("name: etcd-1");
    expect(config).toMatch(/client-cert-auth: true/);
    expect(files["/etc/etcd/pki/server.key"].mode).toBe("0600");
    expect(isSecretInput(named(registrations, "c-etcd-etcd-1-files").inputs.stdin)).toBe(true);
  });

  test("member certificates carry server and client usages and the member's address", async () => {
    const { etcd } = externalCluster("p");
    await outputValue(etcd.quorum);
    const member = named(registrations, "p-etcd-pki-etcd-2-cert").inputs;
    expect(member.allowedUses).toEqual(expect.arrayContaining(["server_auth", "client_auth"]));
    expect(named(registrations, "p-etcd-pki-etcd-2-csr").inputs.ipAddresses).toEqual(["10.0.2.12", "127.0.0.1"]);
    expect(named(registrations, "p-etcd-pki-apiserver-client-cert").inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "client_auth"]);
  });

  test("control planes get the etcd CA and apiserver client pair, not the etcd CA key", async () => {
    const { controlPlane } = externalCluster("k");
    await outputValue(controlPlane.quorum);
    const bundle = String(unwrapSecret(named(registrations, "k-cp-0-files").inputs.stdin));
    const paths = bundle.trim().split("\n").map((line) => line.split(" ")[1]);
    expect(paths).toEqual(expect.arrayContaining(["/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/apiserver-etcd-client.key"]));
    expect(paths).not.toContain("/etc/kubernetes/pki/etcd/ca.key");
    const init = Buffer.from(bundle.trim().split("\n").find((l) => l.includes("kubeadm-init.yaml"))!.split(" ")[2], "base64").toString();
    expect(init).toMatch(/external:\n\s+endpoints:\n\s+- https:\/\/10\.0\.0\.10:2379/);
    const gate = scriptOfRootCommand(String(named(registrations, "k-joined-gate").inputs.create));
    expect(gate).toContain("MEMBERS='etcd-0=https://10.0.0.10:2379 etcd-1=https://10.0.1.11:2379 etcd-2=https://10.0.2.12:2379'");
    expect(gate).toContain("CERT_FILE='/etc/kubernetes/pki/apiserver-etcd-client.crt'");
  });

  test("outputs: etcd endpoints, secret client key and the tier's quorum report", async () => {
    const { etcd, controlPlane } = externalCluster("o");
    expect(await outputValue(etcd.endpoints)).toEqual(["https://10.0.0.10:2379", "https://10.0.1.11:2379", "https://10.0.2.12:2379"]);
    expect(await pulumi.isSecret(etcd.apiServerClientKeyPem)).toBe(true);
    expect(await outputValue(controlPlane.etcdEndpoints)).toEqual(await outputValue(etcd.endpoints));
    const quorum = await outputValue(controlPlane.quorum);
    expect(quorum).toMatchObject({ etcdTopology: "external", plan: { voters: 3, quorumSize: 2, zoneFailuresTolerated: 1 }, observed: { ok: true, healthyMembers: 3 } });
    expect(ofType(registrations, "tls:index/selfSignedCert:SelfSignedCert").map((r) => r.name)).not.toContain("o-pki-etcd-ca-cert");
  });

  test("rejects an even member count and a stacked control plane given an external tier, before any child", async () => {
    expect(() => new cluster.EtcdCluster("bad", { clusterName: "prod", zones, hosts: fakeHosts("etcd", 4, zones) })).toThrow(cluster.ArgumentError);
    const etcd = new cluster.EtcdCluster("ok", { clusterName: "prod", zones, hosts: fakeHosts("etcd", 3, zones) });
    await outputValue(etcd.quorum);
    registrations.splice(0);
    let error: any;
    try {
      new cluster.KubeadmControlPlane("bad", {
        clusterName: "prod", zones, controlPlaneHosts: fakeHosts("cp", 3, zones), etcdTopology: "stacked", externalEtcd: etcd, apiServerEndpoint: "lb",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ field: "externalEtcd" });
    expect(error.message).toBe('KubeadmControlPlane bad: externalEtcd: is only for etcdTopology "external". Remove it or switch topology.');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registrations).toEqual([]);
  });
});
