import * as pulumi from "@pulumi/pulumi";
// What the engine's dynamic-provider process loads providers with (a dependency of @pulumi/pulumi, no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString: (code: string) => { handler(): pulumi.dynamic.ResourceProvider } = require("require-from-string");
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { FAKE_SSH_KEY, fakeHosts } from "../support/hosts";
import { installRecordingMocks, isSecretInput, named, ofType, outputValue, Registration, settle, unwrapSecret } from "../support/recordingMocks";

const zones = ["zone-a", "zone-b", "zone-c"];
let registrations: Registration[];
let cluster: typeof import("../../../src/cluster");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  cluster = await import("../../../src/cluster");
});
beforeEach(() => registrations.splice(0));

const commands = () => ofType(registrations, "command:remote:Command");
const createText = (r: Registration) => String(unwrapSecret(r.inputs.create));
const scriptText = (r: Registration) => scriptOfRootCommand(createText(r));
function bundleFiles(r: Registration): Record<string, { mode: string; content: string }> {
  return Object.fromEntries(
    String(unwrapSecret(r.inputs.stdin)).trim().split("\n").map((line) => {
      const [mode, path, content] = line.split(" ");
      return [path, { mode, content: Buffer.from(content, "base64").toString() }];
    }),
  );
}

function stackedControlPlane(name: string, extra: Partial<import("../../../src/cluster").KubeadmControlPlaneArgs> = {}) {
  return new cluster.KubeadmControlPlane(name, {
    clusterName: "prod",
    zones,
    controlPlaneHosts: fakeHosts("cp", 3, zones),
    etcdTopology: "stacked",
    apiServerEndpoint: "api.prod.example.com",
    ...extra,
  });
}

describe("KubeadmControlPlane (stacked etcd, update mode)", () => {
  test("creates the exact bootstrap steps, one wait/files pair per host", async () => {
    const cp = stackedControlPlane("k");
    await Promise.all([outputValue(cp.quorum), outputValue(cp.workerJoinCommand)]);
    expect(commands().map((c) => c.name).sort()).toEqual(
      [
        "k-cp-0-ready", "k-cp-1-ready", "k-cp-2-ready",
        "k-cp-0-files", "k-cp-1-files", "k-cp-2-files",
        "k-cp-0-init", "k-kubeconfig", "k-cni", "k-token-refresh", "k-membership",
        "k-cp-0-gate", "k-cp-1-join", "k-cp-1-gate", "k-cp-2-join", "k-cp-2-gate",
        "k-cp-0-upgrade", "k-cp-1-upgrade", "k-cp-2-upgrade",
        "k-worker-token",
      ].sort(),
    );
    expect(ofType(registrations, "tls:index/selfSignedCert:SelfSignedCert").map((r) => r.name).sort()).toEqual(
      ["k-pki-cluster-ca-cert", "k-pki-etcd-ca-cert", "k-pki-front-proxy-ca-cert"].sort(),
    );
    expect(named(registrations, "k-pki-cluster-ca-cert").inputs).toMatchObject({ isCaCertificate: true, subject: { commonName: "kubernetes" } });
  });

  test("orders steps as kubeadm's HA guide: init, CNI, gate, then one join at a time behind a gate", async () => {
    const cp = stackedControlPlane("o");
    await outputValue(cp.quorum);
    await settle(registrations);
    const at = (name: string) => named(registrations, name);
    const after = (later: string, earlier: string) => expect(at(later).arrived).toBeGreaterThan(at(earlier).resolved!);
    after("o-cp-0-files", "o-cp-0-ready");
    after("o-cp-0-init", "o-cp-0-files");
    after("o-cni", "o-cp-0-init");
    after("o-cp-0-gate", "o-cni");
    after("o-cp-1-join", "o-cp-0-gate");
    after("o-cp-1-join", "o-cp-1-files");
    after("o-token-refresh", "o-cp-0-init");
    after("o-cp-1-join", "o-token-refresh");
    after("o-cp-1-gate", "o-cp-1-join");
    after("o-cp-2-join", "o-cp-1-gate");
    after("o-cp-2-gate", "o-cp-2-join");
    // Members no longer planned leave etcd (scale-down) after init and before the final gate.
    after("o-membership", "o-cp-0-init");
    after("o-cp-2-gate", "o-membership");
    expect(scriptText(at("o-membership"))).toContain("readonly DESIRED='cp-0 cp-1 cp-2'");
    // Upgrades (a changed kubernetesVersion) once every machine joined, one machine at a time, then the final gate.
    after("o-cp-0-upgrade", "o-cp-2-join");
    after("o-cp-0-upgrade", "o-membership");
    after("o-cp-1-upgrade", "o-cp-0-upgrade");
    after("o-cp-2-upgrade", "o-cp-1-upgrade");
    after("o-cp-2-gate", "o-cp-2-upgrade");
    // The record of what this update left comes last: it changes only when the update completed.
    after("o-record", "o-cp-2-gate");
    // Host preparation is not serialised: every host's wait step starts before the first one finishes.
    const readies = ["o-cp-0-ready", "o-cp-1-ready", "o-cp-2-ready"].map(at);
    expect(Math.max(...readies.map((r) => r.arrived))).toBeLessThan(Math.min(...readies.map((r) => r.resolved!)));
  });

  test("each gate expects the etcd members joined so far, all healthy, and /readyz through the endpoint", async () => {
    const cp = stackedControlPlane("g");
    await outputValue(cp.quorum);
    const gate0 = scriptText(named(registrations, "g-cp-0-gate"));
    const gate2 = scriptText(named(registrations, "g-cp-2-gate"));
    expect(gate0).toContain("MEMBERS='cp-0=https://10.0.0.10:2379'");
    expect(gate0).toContain("MIN_HEALTHY='1'");
    expect(gate2).toContain("MEMBERS='cp-0=https://10.0.0.10:2379 cp-1=https://10.0.1.11:2379 cp-2=https://10.0.2.12:2379'");
    expect(gate2).toContain("MIN_HEALTHY='3'");
    expect(gate2).toContain("READYZ_URL='https://api.prod.example.com:6443/readyz'");
    expect(gate2).toContain("EXPECTED_READY_NODES='3'");
    expect(gate2).toContain("CERT_FILE='/etc/kubernetes/pki/etcd/healthcheck-client.crt'");
    // Gates between joins accept a cluster that has grown since; the final one wants exactly the plan.
    expect(gate0).toContain("EXACT_MEMBER_COUNT='false'");
    expect(gate2).toContain("EXACT_MEMBER_COUNT='true'");
  });

  test("secrets travel only on stdin: no key, token or kubeconfig in any command text", async () => {
    const cp = stackedControlPlane("s");
    await outputValue(cp.quorum);
    const token = ofType(registrations, "random:index/randomString:RandomString").map((r) => r.name);
    expect(token.sort()).toEqual(["s-token-id", "s-token-secret", "s-worker-token-id", "s-worker-token-secret"]);
    for (const command of commands()) {
      const text = createText(command);
      expect(text).not.toMatch(/MOCK-|FAKE-SSH-KEY|PRIVATE KEY|token: /);
      expect(isSecretInput(command.inputs.connection)).toBe(true);
      if (command.inputs.stdin !== undefined) expect(isSecretInput(command.inputs.stdin)).toBe(true);
    }
    // The keys do travel, but on stdin of the files step.
    expect(bundleFiles(named(registrations, "s-cp-1-files"))["/etc/kubernetes/pki/ca.key"].content).toContain("MOCK-s-pki-cluster-ca-key");
    expect(JSON.stringify(registrations.filter((r) => r.type !== "command:remote:Command").map((r) => r.inputs))).not.toContain(FAKE_SSH_KEY.trim());
  });

  test("the files step carries the CAs, service-account key and a join config pinned to the CA hash", async () => {
    const cp = stackedControlPlane("f");
    await outputValue(cp.quorum);
    const files = bundleFiles(named(registrations, "f-cp-1-files"));
    expect(Object.keys(files).sort()).toEqual(
      [
        "/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/ca.key",
        "/etc/kubernetes/pki/front-proxy-ca.crt", "/etc/kubernetes/pki/front-proxy-ca.key",
        "/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/ca.key",
        "/etc/kubernetes/pki/sa.key", "/etc/kubernetes/pki/sa.pub",
        "/etc/kubernetes/pulumi-k8s-ha/kubeadm-join.yaml",
      ].sort(),
    );
    expect(files["/etc/kubernetes/pki/ca.key"].mode).toBe("0600");
    const join = files["/etc/kubernetes/pulumi-k8s-ha/kubeadm-join.yaml"].content;
    expect(join).toMatch(/caCertHashes:\n\s+- sha256:[0-9a-f]{64}/);
    expect(join).toContain("apiServerEndpoint: api.prod.example.com:6443");
    expect(join).toMatch(/token: [a-z0-9]{6}\.[a-z0-9]{16}/);
  });

  test("outputs: secret kubeconfig, endpoint, nodes per zone, etcd endpoints and the quorum report", async () => {
    const cp = stackedControlPlane("out");
    expect(await pulumi.isSecret(cp.kubeconfig)).toBe(true);
    expect(await outputValue(cp.kubeconfig)).toContain("kind: Config");
    expect(await outputValue(cp.apiServerEndpoint)).toBe("https://api.prod.example.com:6443");
    expect(await outputValue(cp.nodes)).toEqual([
      { name: "cp-0", role: "control-plane", zone: "zone-a", address: "10.0.0.10" },
      { name: "cp-1", role: "control-plane", zone: "zone-b", address: "10.0.1.11" },
      { name: "cp-2", role: "control-plane", zone: "zone-c", address: "10.0.2.12" },
    ]);
    expect(await outputValue(cp.etcdEndpoints)).toEqual(["https://10.0.0.10:2379", "https://10.0.1.11:2379", "https://10.0.2.12:2379"]);
    const quorum = await outputValue(cp.quorum);
    expect(quorum.plan).toMatchObject({ voters: 3, quorumSize: 2, nodeFailuresTolerated: 1, zoneFailuresTolerated: 1 });
    expect(quorum.observed).toMatchObject({ ok: true, expectedMembers: 3, healthyMembers: 3 });
  });

  test("no secret reaches a plain output: endpoint, nodes, etcd endpoints and quorum hold no key or token", async () => {
    const cp = stackedControlPlane("p");
    const plain = JSON.stringify(await Promise.all([cp.apiServerEndpoint, cp.nodes, cp.etcdEndpoints, cp.quorum].map((o) => outputValue(o as pulumi.Output<unknown>))));
    const token = /token: ([a-z0-9]{6}\.[a-z0-9]{16})/.exec(bundleFiles(named(registrations, "p-cp-0-files"))["/etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml"].content)![1];
    expect(plain).not.toContain(token);
    expect(plain).not.toMatch(/MOCK-|PRIVATE KEY|FAKE-SSH-KEY|mock-token/);
    for (const output of [cp.apiServerEndpoint, cp.nodes, cp.etcdEndpoints, cp.quorum]) {
      expect(await pulumi.isSecret(output as pulumi.Output<unknown>)).toBe(false);
    }
  });

  test("commands run as root, are deleted with their machine and have bounded timeouts", async () => {
    const cp = stackedControlPlane("t");
    await outputValue(cp.quorum);
    for (const command of commands()) {
      expect(createText(command)).toMatch(/exec sudo -n bash -c "\$PKH_SCRIPT"/);
    }
    // The first step on every host keeps dialling until SSH answers.
    expect(unwrapSecret(named(registrations, "t-cp-2-ready").inputs.connection).dialErrorLimit).toBe(-1);
    expect(named(registrations, "t-cp-2-join").inputs.delete).toBeUndefined();
  });

  test("the bootstrap token is refreshed from stdin before joins, re-run whenever the control planes change", async () => {
    const cp = stackedControlPlane("tr");
    await outputValue(cp.quorum);
    const refresh = named(registrations, "tr-token-refresh");
    expect(isSecretInput(refresh.inputs.stdin)).toBe(true);
    expect(String(unwrapSecret(refresh.inputs.stdin))).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
    expect(createText(refresh)).not.toContain(String(unwrapSecret(refresh.inputs.stdin)).trim());
    expect(refresh.inputs.triggers).toEqual(["cp-0,cp-1,cp-2"]);
  });

  test("resetOnDelete adds kubeadm reset as the delete step of init and joins", async () => {
    const cp = stackedControlPlane("r", { resetOnDelete: true });
    await outputValue(cp.quorum);
    expect(String(named(registrations, "r-cp-1-join").inputs.delete)).toContain("kubeadm reset --force");
    expect(String(named(registrations, "r-cp-0-init").inputs.delete)).toContain("kubeadm reset --force");
  });

  test("container-like machine settings reach kubeadm's config and command lines", async () => {
    const cp = stackedControlPlane("q", { ignorePreflightErrors: ["SystemVerification"], kubeletFailCgroupV1: false, kubeProxyConntrackMaxPerCore: 0 });
    await outputValue(cp.quorum);
    expect(scriptText(named(registrations, "q-cp-0-init"))).toContain("--ignore-preflight-errors=SystemVerification");
    expect(scriptText(named(registrations, "q-cp-1-join"))).toContain("--ignore-preflight-errors=SystemVerification");
    const bundle = String(unwrapSecret(named(registrations, "q-cp-0-files").inputs.stdin));
    const initConfig = bundle
      .split("\n")
      .map((line) => line.split(" "))
      .find(([, path]) => path === "/etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml");
    const text = Buffer.from(initConfig?.[2] ?? "", "base64").toString("utf8");
    expect(text).toContain("failCgroupV1: false");
    expect(text).toContain("kind: KubeProxyConfiguration\nconntrack:\n  maxPerCore: 0");
  });

  test("the default CNI is a Calico release tested with Kubernetes 1.34 (3.31), applied after init", async () => {
    const cp = stackedControlPlane("c");
    await outputValue(cp.quorum);
    expect(scriptText(named(registrations, "c-cni"))).toContain(
      "readonly MANIFEST_URL='https://raw.githubusercontent.com/projectcalico/calico/v3.31.6/manifests/calico.yaml'",
    );
  });

  test("control planes keep a pristine copy of the placed files, for init and join to restore after kubeadm reset", async () => {
    const cp = stackedControlPlane("r");
    await outputValue(cp.quorum);
    for (const host of ["cp-0", "cp-1", "cp-2"]) {
      expect(scriptText(named(registrations, `r-${host}-files`))).toContain("readonly PRISTINE_DIR='/var/lib/pulumi-k8s-ha/placed'");
    }
    for (const step of ["r-cp-0-init", "r-cp-1-join", "r-cp-2-join"]) {
      expect(scriptText(named(registrations, step))).toContain("readonly PRISTINE_DIR='/var/lib/pulumi-k8s-ha/placed'");
    }
  });

  test('cniManifestUrl "" skips the CNI and the node readiness check', async () => {
    const cp = stackedControlPlane("n", { cniManifestUrl: "" });
    await outputValue(cp.quorum);
    expect(commands().map((c) => c.name)).not.toContain("n-cni");
    expect(scriptText(named(registrations, "n-cp-2-gate"))).toContain("EXPECTED_READY_NODES='0'");
  });
});

describe("KubeadmControlPlane upgrades and the record of the last update", () => {
  test("cp-0 runs kubeadm upgrade apply from the version's pkgs.k8s.io channel, the others upgrade node, each behind a gate; the final gate wants every node at the version", async () => {
    const cp = stackedControlPlane("u", { kubernetesVersion: "1.34.2", ignorePreflightErrors: ["NumCPU"] });
    const quorum = await outputValue(cp.quorum);
    const upgrade = (i: number) => scriptText(named(registrations, `u-cp-${i}-upgrade`));
    expect(upgrade(0)).toContain("readonly FIRST='true'");
    expect(upgrade(0)).toContain("readonly TARGET='v1.34.2'");
    expect(upgrade(0)).toContain("readonly APT_REPOSITORY='https://pkgs.k8s.io/core:/stable:/v1.34/deb/'");
    expect(upgrade(0)).toContain("readonly IGNORE_PREFLIGHT='NumCPU'");
    expect(upgrade(0)).toContain("readonly NODE_NAME='cp-0'");
    expect([1, 2].map((i) => [upgrade(i).includes("readonly FIRST='false'"), upgrade(i).includes(`readonly NODE_NAME='cp-${i}'`)])).toEqual([
      [true, true],
      [true, true],
    ]);
    // Each step runs a quorum gate before it changes its machine: the machines before it at the version.
    const preflight = (i: number) => Buffer.from(/readonly PREFLIGHT_GATE_B64='([^']*)'/.exec(upgrade(i))![1], "base64").toString();
    expect([0, 1, 2].map((i) => /readonly NODES_AT_VERSION='([^']*)'/.exec(preflight(i))?.[1])).toEqual(["", "cp-0", "cp-0 cp-1"]);
    expect(preflight(2)).toContain("readonly EXACT_MEMBER_COUNT='true'");
    expect(preflight(2)).toContain("readonly READYZ_URL='https://api.prod.example.com:6443/readyz'");
    // The final gate wants every node at the version; the gates between joins do not ask (they would re-run on every
    // version change).
    const final = scriptText(named(registrations, "u-cp-2-gate"));
    expect(final).toContain("readonly NODES_AT_VERSION='cp-0 cp-1 cp-2'");
    expect(final).toContain("readonly KUBELET_VERSION='v1.34.2'");
    expect(scriptText(named(registrations, "u-cp-1-gate"))).toContain("readonly NODES_AT_VERSION=''");
    // The quorum output and `ready` are the final gate's.
    expect(quorum.observed).toEqual(expect.objectContaining({ ok: true }));
    expect(await outputValue(cp.ready.urn)).toMatch(/::u-cp-2-gate$/);
  });

  test("a mirror, or packages managed outside the library", async () => {
    const mirrored = stackedControlPlane("m", { kubernetesVersion: "1.33.6", kubernetesAptRepository: "https://mirror.example.com/k8s/v{minor}/" });
    const managed = stackedControlPlane("x", { installKubernetesPackages: false });
    await Promise.all([outputValue(mirrored.quorum), outputValue(managed.quorum)]);
    expect(scriptText(named(registrations, "m-cp-1-upgrade"))).toContain("readonly APT_REPOSITORY='https://mirror.example.com/k8s/v1.33/'");
    expect(scriptText(named(registrations, "x-cp-1-upgrade"))).toContain("readonly APT_REPOSITORY=''");
  });

  test("the record of the update: version, control planes and voters, registered after the last gate, nothing secret", async () => {
    const cp = stackedControlPlane("r", { kubernetesVersion: "1.34.2" });
    await outputValue(cp.quorum);
    await settle(registrations);
    const record = named(registrations, "r-record");
    expect(record.type).toBe("pulumi-nodejs:dynamic:Resource");
    expect(record.arrived).toBeGreaterThan(named(registrations, "r-cp-2-gate").resolved!);
    const { __provider, ...inputs } = record.inputs as Record<string, unknown>;
    expect(typeof __provider).toBe("string");
    expect(inputs).toEqual({
      kubernetesVersion: "1.34.2",
      controlPlanes: ["cp-0", "cp-1", "cp-2"],
      voters: [
        { name: "cp-0", endpoint: "https://10.0.0.10:2379" },
        { name: "cp-1", endpoint: "https://10.0.1.11:2379" },
        { name: "cp-2", endpoint: "https://10.0.2.12:2379" },
      ],
      votersField: "controlPlaneHosts",
    });
    expect(JSON.stringify(inputs)).not.toMatch(/PRIVATE KEY|FAKE-SSH-KEY|MOCK-/);
    // The serialized provider is what the engine's dynamic-provider process loads (require-from-string, then
    // handler()): it stands alone and refuses a minor skip against this record at preview.
    const provider = requireFromString(String(__provider)).handler();
    expect(await provider.check!(inputs, { ...inputs, kubernetesVersion: "1.34.3" })).toEqual({ inputs: { ...inputs, kubernetesVersion: "1.34.3" }, failures: [] });
    expect((await provider.check!(inputs, { ...inputs, kubernetesVersion: "1.36.0" })).failures).toEqual([
      {
        property: "kubernetesVersion",
        reason: "the cluster runs 1.34.2 (recorded by the last successful update); kubeadm upgrades one minor at a time: set kubernetesVersion to 1.35.x first, run the update, then 1.36.0.",
      },
    ]);
    expect((await provider.check!({}, inputs)).failures).toEqual([]);
  });
});

describe("KubeadmControlPlane rejects bad input before creating any child", () => {
  const cases: [string, Partial<import("../../../src/cluster").KubeadmControlPlaneArgs>, string, RegExp][] = [
    ["even control planes", { controlPlaneHosts: fakeHosts("cp", 4, zones) }, "controlPlaneHosts", /controlPlaneHosts/],
    ["two zones lose quorum", { zones: ["zone-a", "zone-b"], controlPlaneHosts: fakeHosts("cp", 3, ["zone-a", "zone-b"]) }, "controlPlaneHosts", /zone/],
    ["no hosts", { controlPlaneHosts: [] }, "controlPlaneHosts", /at least one/],
    ["duplicate host names", { controlPlaneHosts: fakeHosts("cp", 3, zones).map((h) => ({ ...h, name: "cp" })) }, "controlPlaneHosts[1].name", /used twice/],
    ["host name not a DNS label", { controlPlaneHosts: fakeHosts("CP", 3, zones) }, "controlPlaneHosts[0].name", /DNS label/],
    ["unknown topology", { etcdTopology: "Stacked" as any }, "etcdTopology", /Use "stacked" or "external"/],
    ["external without etcd", { etcdTopology: "external" }, "externalEtcd", /required/],
    ["bad version", { kubernetesVersion: "1.29.0" }, "kubernetesVersion", /1\.29/],
    ["overlapping CIDRs", { podSubnet: "10.96.0.0/16" }, "serviceSubnet", /overlap/],
    ["bad cluster name", { clusterName: "Prod_1" }, "clusterName", /clusterName/],
    ["bad port", { apiServerPort: 70000 }, "apiServerPort", /apiServerPort/],
    ["preflight all", { ignorePreflightErrors: ["all"] }, "ignorePreflightErrors[0]", /"all" is refused/],
    ["fractional conntrack", { kubeProxyConntrackMaxPerCore: 0.5 }, "kubeProxyConntrackMaxPerCore", /integer >= 0/],
    ["apt repository without {minor}", { kubernetesAptRepository: "https://mirror.example.com/k8s/" }, "kubernetesAptRepository", /has no \{minor\}: each minor has its own channel/],
    ["apt repository not a URL", { kubernetesAptRepository: "mirror/v{minor}/" }, "kubernetesAptRepository", /is not an http\(s\) URL ending in "\/"/],
    ["installKubernetesPackages not boolean", { installKubernetesPackages: "no" as any }, "installKubernetesPackages", /is not a boolean/],
  ];
  test.each(cases)("%s -> error on %s", async (_label, extra, field, message) => {
    let error: any;
    try {
      stackedControlPlane("bad", extra);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(cluster.ArgumentError);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registrations.map((r) => r.type)).toEqual([]);
  });
});
