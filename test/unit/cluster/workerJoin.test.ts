import * as pulumi from "@pulumi/pulumi";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { caCertHash } from "../../../src/pki/caCertHash";
import { TESTING_CERTIFICATE_PEM } from "../../../src/testing";
import { fakeHosts } from "../support/hosts";
import { installRecordingMocks, isSecretInput, named, ofType, outputValue, Registration, unwrapSecret } from "../support/recordingMocks";

const zones = ["zone-a", "zone-b", "zone-c"];
const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
let registrations: Registration[];
let cluster: typeof import("../../../src/cluster");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  cluster = await import("../../../src/cluster");
});

function controlPlane(name: string, extra: Partial<import("../../../src/cluster").KubeadmControlPlaneArgs> = {}) {
  return new cluster.KubeadmControlPlane(name, {
    clusterName: "prod",
    zones,
    controlPlaneHosts: fakeHosts("cp", 3, zones),
    etcdTopology: "stacked",
    apiServerEndpoint: "api.prod.example.com",
    ...extra,
  });
}
const stdinOf = (r: Registration) => String(unwrapSecret(r.inputs.stdin));

describe("worker join material (KubeadmControlPlane)", () => {
  test("the CA certificate and its hash are the cluster CA's, public", async () => {
    const cp = controlPlane("ca");
    expect(await outputValue(cp.caCertPem)).toBe(TESTING_CERTIFICATE_PEM);
    const hash = await outputValue(cp.caCertHash);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).toBe(caCertHash(TESTING_CERTIFICATE_PEM));
    expect(await pulumi.isSecret(cp.caCertPem)).toBe(false);
    expect(await pulumi.isSecret(cp.caCertHash)).toBe(false);
  });

  test("the workers' token is a secret bootstrap token of its own, not the control planes' token", async () => {
    const cp = controlPlane("wt");
    const token = await outputValue(cp.workerJoinToken);
    expect(token).toMatch(TOKEN);
    expect(await pulumi.isSecret(cp.workerJoinToken)).toBe(true);
    expect(ofType(registrations, "random:index/randomString:RandomString").map((r) => r.name).filter((n) => n.startsWith("wt-")).sort()).toEqual(
      ["wt-token-id", "wt-token-secret", "wt-worker-token-id", "wt-worker-token-secret"],
    );
    const controlPlaneToken = stdinOf(named(registrations, "wt-token-refresh")).trim();
    expect(controlPlaneToken).toMatch(TOKEN);
    expect(token).not.toBe(controlPlaneToken);
  });

  test("the join command is kubeadm join <endpoint:port> --token <token> --discovery-token-ca-cert-hash <hash>, secret", async () => {
    const cp = controlPlane("jc", { apiServerPort: 8443 });
    const [command, token, hash] = await Promise.all([outputValue(cp.workerJoinCommand), outputValue(cp.workerJoinToken), outputValue(cp.caCertHash)]);
    expect(await pulumi.isSecret(cp.workerJoinCommand)).toBe(true);
    expect(command).toBe(`kubeadm join api.prod.example.com:8443 --token ${token} --discovery-token-ca-cert-hash ${hash}`);
    const words = command.split(" ");
    expect(words).toHaveLength(7);
    expect(words.slice(0, 3)).toEqual(["kubeadm", "join", "api.prod.example.com:8443"]);
    expect(words[4]).toMatch(TOKEN);
    expect(words[6]).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("the token is placed on the first control plane right after init (beside the joins), from stdin only, and every update re-runs the step", async () => {
    const before = Date.now();
    const cp = controlPlane("ts");
    const token = await outputValue(cp.workerJoinToken);
    await outputValue(cp.quorum);
    const step = named(registrations, "ts-worker-token");
    expect(step.type).toBe("command:remote:Command");
    expect(unwrapSecret(step.inputs.connection).host).toBe("10.0.0.10");
    expect(isSecretInput(step.inputs.stdin)).toBe(true);
    expect(stdinOf(step)).toBe(`${token}\n`);
    const text = String(unwrapSecret(step.inputs.create));
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split(".")[1]);
    const script = scriptOfRootCommand(text);
    expect(script).toContain("# pulumi-k8s-ha: refresh the workers' bootstrap token (token on stdin)");
    expect(script).toContain('description: $(b64 "pulumi-k8s-ha worker joins")');
    expect(script).toContain("system:bootstrappers:kubeadm:default-node-token");
    expect(script).toContain("+24 hours");
    // The trigger is the update's time: a new value each `pulumi up` replaces, and so re-runs, the step.
    expect(step.inputs.triggers).toHaveLength(1);
    const at = Date.parse(step.inputs.triggers[0]);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(step.arrived).toBeGreaterThan(named(registrations, "ts-cp-0-init").resolved!);
    // Not on the bring-up's critical path: it does not wait for the joins.
    expect(step.arrived).toBeLessThan(named(registrations, "ts-cp-2-gate").resolved!);
    // No secret reaches a plain output or another command's text.
    for (const command of ofType(registrations, "command:remote:Command")) {
      expect(String(unwrapSecret(command.inputs.create))).not.toContain(token);
    }
    const plain = JSON.stringify(await Promise.all([cp.apiServerEndpoint, cp.nodes, cp.quorum, cp.caCertPem, cp.caCertHash].map((o) => outputValue(o as pulumi.Output<unknown>))));
    expect(plain).not.toContain(token.split(".")[1]);
  });

  test("with a single control plane the token step follows init too", async () => {
    const cp = new cluster.KubeadmControlPlane("one", {
      clusterName: "prod",
      zones: ["zone-a"],
      tolerateZoneFailure: false,
      controlPlaneHosts: fakeHosts("cp", 1, ["zone-a"]),
      etcdTopology: "stacked",
      apiServerEndpoint: "10.0.0.100",
    });
    await outputValue(cp.quorum);
    expect(await outputValue(cp.workerJoinCommand)).toMatch(/^kubeadm join 10\.0\.0\.100:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    expect(named(registrations, "one-worker-token").arrived).toBeGreaterThan(named(registrations, "one-cp-0-init").resolved!);
  });
});

describe("workerJoinTokenTtlHours", () => {
  test("sets how long each update keeps the workers' token valid; the control planes' token keeps 24 hours", async () => {
    const cp = controlPlane("week", { workerJoinTokenTtlHours: 168 });
    await Promise.all([outputValue(cp.workerJoinCommand), outputValue(cp.quorum)]);
    const script = scriptOfRootCommand(String(named(registrations, "week-worker-token").inputs.create));
    expect(script).toContain('date -u -d "+168 hours"');
    expect(script).toContain('echo "bootstrap token valid for 168 hours"');
    expect(scriptOfRootCommand(String(named(registrations, "week-token-refresh").inputs.create))).toContain('date -u -d "+24 hours"');
  });

  test.each([0, -1, 1.5, 8761, "24"])("refuses %p with an ArgumentError naming the field, before anything registers", (ttl) => {
    const before = registrations.length;
    let error: any;
    try {
      controlPlane("badttl", { workerJoinTokenTtlHours: ttl as number });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(cluster.ArgumentError);
    expect(error.field).toBe("workerJoinTokenTtlHours");
    expect(error.message).toBe(`KubeadmControlPlane badttl: workerJoinTokenTtlHours: ${JSON.stringify(ttl)} is not a whole number of hours from 1 to 8760. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join.`);
    expect(registrations.slice(before).filter((r) => r.name.startsWith("badttl"))).toEqual([]);
  });
});

describe("join command helpers", () => {
  test.each([
    ["api.example.com", 6443, "api.example.com:6443"],
    ["10.0.0.5", 443, "10.0.0.5:443"],
    ["fd00::5", 6443, "[fd00::5]:6443"],
    ["[fd00::5]", 6443, "[fd00::5]:6443"],
  ])("joinAddress(%s, %d) = %s", (host, port, expected) => {
    expect(cluster.joinAddress(host, port)).toBe(expected);
  });

  test("kubeadmWorkerJoinCommand puts each value after its flag", () => {
    expect(cluster.kubeadmWorkerJoinCommand("lb:6443", "abcdef.0123456789abcdef", "sha256:00")).toBe(
      "kubeadm join lb:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00",
    );
  });
});
