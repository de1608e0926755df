import * as pulumi from "@pulumi/pulumi";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { installRecordingMocks, isSecretInput, named, ofType, outputValue, Registration, unwrapSecret } from "../support/recordingMocks";
import { BASTION_KEY, HOST_KEY, hostSpecs, validArgs } from "./support";

let registrations: Registration[];
let hosts: typeof import("../../../src/hosts");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  hosts = await import("../../../src/hosts");
});
beforeEach(() => registrations.splice(0));

const commands = () => ofType(registrations, "command:remote:Command");
const scriptOf = (name: string) => scriptOfRootCommand(String(named(registrations, name).inputs.create));
const bundleFile = (name: string, path: string) => {
  const line = String(unwrapSecret(named(registrations, name).inputs.stdin)).split("\n").find((l) => l.split(" ")[1] === path)!;
  return Buffer.from(line.split(" ")[2], "base64").toString();
};

describe("HostsControlPlane: stacked etcd, HAProxy on two hosts with a virtual IP", () => {
  test("registers the exact child contract", async () => {
    const cluster = new hosts.HostsControlPlane("home", validArgs());
    await outputValue(cluster.quorum);
    const byType = (type: string) => ofType(registrations, type).map((r) => r.name).sort();
    expect(byType("pulumi-k8s-ha:hosts:HostsControlPlane")).toEqual(["home"]);
    expect(byType("pulumi-k8s-ha:hosts:ApiLoadBalancer")).toEqual(["home-lb"]);
    expect(byType("pulumi-k8s-ha:cluster:KubeadmControlPlane")).toEqual(["home-control-plane"]);
    expect(byType("pulumi-k8s-ha:cluster:EtcdCluster")).toEqual([]);
    const own = commands().map((r) => r.name).filter((n) => !n.startsWith("home-control-plane-")).sort();
    expect(own).toEqual([
      "home-cp-0-prepare", "home-cp-1-prepare", "home-cp-2-prepare",
      "home-lb-lb-0-haproxy", "home-lb-lb-0-keepalived", "home-lb-lb-0-packages",
      "home-lb-lb-1-haproxy", "home-lb-lb-1-keepalived", "home-lb-lb-1-packages",
    ]);
  });

  test("every step on a host waits for its preparation; kubeadm init waits for the load balancer", async () => {
    const cluster = new hosts.HostsControlPlane("order", validArgs());
    await outputValue(cluster.quorum);
    for (const i of [0, 1, 2]) {
      expect(named(registrations, `order-control-plane-cp-${i}-ready`).arrived).toBeGreaterThan(named(registrations, `order-cp-${i}-prepare`).resolved!);
    }
    const init = named(registrations, "order-control-plane-cp-0-init");
    for (const step of ["order-lb-lb-0-keepalived", "order-lb-lb-1-keepalived"]) {
      expect(named(registrations, step).resolved!).toBeLessThan(init.arrived);
    }
    expect(named(registrations, "order-lb-lb-0-haproxy").arrived).toBeGreaterThan(named(registrations, "order-lb-lb-0-packages").resolved!);
    expect(named(registrations, "order-lb-lb-0-keepalived").arrived).toBeGreaterThan(named(registrations, "order-lb-lb-0-haproxy").resolved!);
  });

  test("the virtual IP is the endpoint; HAProxy balances the control planes; keepalived peers by unicast", async () => {
    const cluster = new hosts.HostsControlPlane("vip", validArgs());
    await outputValue(cluster.quorum);
    expect(await outputValue(cluster.apiServerEndpoint)).toBe("https://192.168.2.100:6443");
    const init = bundleFile("vip-control-plane-cp-0-files", "/etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml");
    expect(init).toContain("controlPlaneEndpoint: 192.168.2.100:6443");
    const haproxy = Buffer.from(/readonly CONFIG='([^']+)'/.exec(scriptOf("vip-lb-lb-1-haproxy"))![1], "base64").toString();
    expect(haproxy).toContain("    server cp-0 192.168.1.10:6443\n    server cp-1 192.168.1.11:6443\n    server cp-2 192.168.1.12:6443\n");
    expect(haproxy).toContain("option httpchk GET /readyz");
    const keepalived = Buffer.from(/readonly CONFIG='([^']+)'/.exec(scriptOf("vip-lb-lb-1-keepalived"))![1], "base64").toString();
    expect(keepalived).toContain("state BACKUP");
    expect(keepalived).toContain("priority 199");
    expect(keepalived).toContain("unicast_peer {\n        192.168.2.10\n    }");
    expect(keepalived).toContain("192.168.2.100/32 dev eth0");
  });

  test("outputs: nodes by failure domain, the plan from the hosts, etcd endpoints on the control planes", async () => {
    const cluster = new hosts.HostsControlPlane("out", validArgs());
    expect(await outputValue(cluster.nodesByZone)).toEqual({ "rack-a": ["cp-0"], "rack-b": ["cp-1"], "rack-c": ["cp-2"] });
    const plan = await outputValue(cluster.plan);
    expect(plan.zones).toEqual(["rack-a", "rack-b", "rack-c"]);
    expect(plan.quorum).toMatchObject({ voters: 3, quorumSize: 2, zoneFailuresTolerated: 1 });
    expect(plan.nodes.map((n) => [n.name, n.role, n.etcdVoter])).toEqual([["cp-0", "control-plane", true], ["cp-1", "control-plane", true], ["cp-2", "control-plane", true]]);
    expect(await outputValue(cluster.etcdEndpoints)).toEqual(["https://192.168.1.10:2379", "https://192.168.1.11:2379", "https://192.168.1.12:2379"]);
    expect((await outputValue(cluster.quorum)).observed?.ok).toBe(true);
  });

  test("the preparation step runs the node cloud-init's own script and refuses hosts without systemd", async () => {
    const cluster = new hosts.HostsControlPlane("prep", validArgs());
    await outputValue(cluster.quorum);
    const script = scriptOf("prep-cp-0-prepare");
    expect(script).toContain("readonly RUN='/usr/local/sbin/pulumi-k8s-ha-prepare-node'");
    expect(script).toContain("readonly REQUIRE_SYSTEMD='true'");
    expect(script).toContain("containerd");
    expect(named(registrations, "prep-cp-0-prepare").inputs.connection).toBeDefined();
    expect(scriptOf("prep-lb-lb-0-packages")).toContain("readonly PACKAGES='haproxy keepalived'");
  });

  test("no private key (host or bastion) ever appears in a command's text; connections are secret", async () => {
    const cluster = new hosts.HostsControlPlane("sec", validArgs({ bastion: { host: "203.0.113.5", user: "jump", privateKey: BASTION_KEY } }));
    await outputValue(cluster.quorum);
    expect(commands().length).toBeGreaterThan(20);
    for (const command of commands()) {
      const text = JSON.stringify([command.inputs.create, command.inputs.delete ?? ""]);
      expect(text).not.toContain("FAKE-OWN-HOST-KEY");
      expect(text).not.toContain("FAKE-BASTION-KEY");
      expect(isSecretInput(command.inputs.connection)).toBe(true);
    }
    const connection = unwrapSecret(named(registrations, "sec-cp-1-prepare").inputs.connection);
    expect(connection).toMatchObject({ host: "192.168.1.11", user: "admin", port: 22, privateKey: HOST_KEY, dialErrorLimit: -1 });
    expect(connection.proxy).toMatchObject({ host: "203.0.113.5", user: "jump", port: 22, privateKey: BASTION_KEY });
  });

  test("worker join material: the CA hash, a secret token placed on cp-0 after init, and the join command for the virtual IP", async () => {
    const cluster = new hosts.HostsControlPlane("wj", validArgs());
    const [token, hash, command] = await Promise.all([outputValue(cluster.workerJoinToken), outputValue(cluster.caCertHash), outputValue(cluster.workerJoinCommand)]);
    expect(await pulumi.isSecret(cluster.workerJoinToken)).toBe(true);
    expect(await pulumi.isSecret(cluster.workerJoinCommand)).toBe(true);
    expect(await pulumi.isSecret(cluster.caCertPem)).toBe(false);
    expect(await outputValue(cluster.caCertPem)).toContain("-----BEGIN CERTIFICATE-----");
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(command).toBe(`kubeadm join 192.168.2.100:6443 --token ${token} --discovery-token-ca-cert-hash ${hash}`);
    const step = named(registrations, "wj-control-plane-worker-token");
    expect(unwrapSecret(step.inputs.connection).host).toBe("192.168.1.10");
    expect(isSecretInput(step.inputs.stdin)).toBe(true);
    expect(String(unwrapSecret(step.inputs.stdin))).toBe(`${token}\n`);
    expect(String(step.inputs.create)).not.toContain(token);
    expect(step.arrived).toBeGreaterThan(named(registrations, "wj-control-plane-cp-0-init").resolved!);
    expect(String(step.inputs.create)).toContain("+24 hours");
    const week = new hosts.HostsControlPlane("wk", validArgs({ workerJoinTokenTtlHours: 168 }));
    await outputValue(week.workerJoinCommand);
    expect(String(named(registrations, "wk-control-plane-worker-token").inputs.create)).toContain("+168 hours");
  });
});

describe("HostsControlPlane load-balancer and preparation variants", () => {
  test("apiServerEndpoint: no load-balancer children, the given endpoint is used", async () => {
    const cluster = new hosts.HostsControlPlane("own", validArgs({ loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined, apiServerEndpoint: "api.lab.internal" }));
    expect(await outputValue(cluster.apiServerEndpoint)).toBe("https://api.lab.internal:6443");
    expect(ofType(registrations, "pulumi-k8s-ha:hosts:ApiLoadBalancer")).toEqual([]);
    expect(commands().filter((c) => /haproxy|keepalived/.test(c.name))).toEqual([]);
  });

  test("HAProxy without a virtual IP: no keepalived, the first LB host is the endpoint, a warning in the plan", async () => {
    const cluster = new hosts.HostsControlPlane("novip", validArgs({ virtualIp: undefined, virtualIpInterface: undefined }));
    expect(await outputValue(cluster.apiServerEndpoint)).toBe("https://192.168.2.10:6443");
    expect(commands().filter((c) => c.name.includes("keepalived"))).toEqual([]);
    expect(scriptOf("novip-lb-lb-0-packages")).toContain("readonly PACKAGES='haproxy'");
    expect((await outputValue(cluster.plan)).warnings).toContain(
      "loadBalancerHosts: without virtualIp the API endpoint is the first load-balancer host only. Give virtualIp for failover.",
    );
  });

  test("external etcd on hosts of its own, prepared with the etcd role; prepareHosts false skips every preparation", async () => {
    const cluster = new hosts.HostsControlPlane("ext", validArgs({ etcdTopology: "external", etcdHosts: hostSpecs("etcd", 3, 3), prepareHosts: false }));
    await outputValue(cluster.quorum);
    expect(ofType(registrations, "pulumi-k8s-ha:cluster:EtcdCluster").map((r) => r.name)).toEqual(["ext-etcd-cluster"]);
    expect(commands().filter((c) => /-prepare$|-packages$/.test(c.name))).toEqual([]);
    expect(unwrapSecret(named(registrations, "ext-lb-lb-0-haproxy").inputs.connection).dialErrorLimit).toBe(-1);
    expect(await outputValue(cluster.nodesByZone)).toEqual({ "rack-a": ["cp-0", "etcd-0"], "rack-b": ["cp-1", "etcd-1"], "rack-c": ["cp-2", "etcd-2"] });
    expect(await outputValue(cluster.etcdEndpoints)).toEqual(["https://192.168.3.10:2379", "https://192.168.3.11:2379", "https://192.168.3.12:2379"]);

    registrations.splice(0);
    const prepared = new hosts.HostsControlPlane("extp", validArgs({ etcdTopology: "external", etcdHosts: hostSpecs("etcd", 3, 3) }));
    await outputValue(prepared.quorum);
    const etcdPrepare = scriptOf("extp-etcd-1-prepare");
    // The preparation script installs its packages itself (waiting for the apt lock), as cloud-init's does.
    expect(etcdPrepare).toContain("readonly PACKAGES=''");
    expect(etcdPrepare).not.toContain("containerd");
  });

  test("privateAddress goes into certificates and etcd URLs while SSH dials address", async () => {
    const controlPlaneHosts = hostSpecs("cp", 3, 1).map((h, i) => ({ ...h, address: `203.0.113.${20 + i}`, privateAddress: `10.10.0.${20 + i}` }));
    const cluster = new hosts.HostsControlPlane("priv", validArgs({ controlPlaneHosts }));
    await outputValue(cluster.quorum);
    expect(await outputValue(cluster.etcdEndpoints)).toEqual(["https://10.10.0.20:2379", "https://10.10.0.21:2379", "https://10.10.0.22:2379"]);
    expect(unwrapSecret(named(registrations, "priv-control-plane-cp-2-ready").inputs.connection).host).toBe("203.0.113.22");
    expect((await outputValue(cluster.nodes))[1]).toEqual({ name: "cp-1", role: "control-plane", zone: "rack-b", address: "10.10.0.21" });
  });
});
