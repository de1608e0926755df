import * as pulumi from "@pulumi/pulumi";
import { installPlanningMocks, PlannedResource } from "../../../src/cli/recorder";
import { stepWaves } from "../../../src/cli/report";
import { outputValue } from "../support/recordingMocks";

let resources: PlannedResource[];
let program: typeof import("../../../src/program/defaultStack");

beforeAll(async () => {
  resources = await installPlanningMocks("pulumi-k8s-ha", "aws");
  pulumi.runtime.setAllConfig({ "aws:region": "us-east-1" });
  program = await import("../../../src/program/defaultStack");
});
beforeEach(() => resources.splice(0));

const base = { cloud: "aws" as const, adminCidrs: ["203.0.113.0/24"], apiAllowedCidrs: [] };

describe("offline plan of the default stack (what npm start prints)", () => {
  test("stacked 3: twelve sequential remote steps, joins one at a time, then the upgrade steps (quick at the version) and the final gate", async () => {
    const stack = program.defaultStack({ ...base, clusterName: "s", etcdTopology: "stacked", controlPlaneCount: 3 });
    const plan = await outputValue(stack.plan);
    await outputValue(stack.quorum, 30_000);
    expect(plan.nodes.map((n) => `${n.name}@${n.zone}`)).toEqual(["cp-0@us-east-1a", "cp-1@us-east-1b", "cp-2@us-east-1c"]);
    const waves = stepWaves(resources, "s").map((w) => w.steps.map((s) => s.replace(/^control-plane-/, "")));
    expect(waves).toEqual([
      ["cp-0-ready", "cp-1-ready", "cp-2-ready"],
      ["cp-0-files", "cp-1-files", "cp-2-files"],
      ["cp-0-init"],
      ["cni", "kubeconfig", "membership", "token-refresh", "worker-token"],
      ["cp-0-gate"],
      ["cp-1-join"],
      ["cp-1-gate"],
      ["cp-2-join"],
      ["cp-0-upgrade"],
      ["cp-1-upgrade"],
      ["cp-2-upgrade"],
      ["cp-2-gate"],
    ]);
  }, 40_000);

  test("external 3+3: etcd members start in one wave before kubeadm init, joins in parallel: 13 steps", async () => {
    const stack = program.defaultStack({ ...base, clusterName: "x", etcdTopology: "external", controlPlaneCount: 3, etcdMemberCount: 3 });
    await outputValue(stack.quorum, 30_000);
    const waves = stepWaves(resources, "x");
    const waveOf = (suffix: string) => waves.find((w) => w.steps.some((s) => s.endsWith(suffix)))!.wave;
    const startWave = waves.find((w) => w.steps.filter((s) => s.endsWith("-start")).length === 3);
    expect(startWave).toBeDefined();
    expect(waveOf("etcd-cluster-membership")).toBe(startWave!.wave + 1);
    expect(waveOf("etcd-cluster-gate")).toBe(startWave!.wave + 2);
    expect(waveOf("cp-0-init")).toBeGreaterThan(waveOf("etcd-cluster-gate"));
    expect(waveOf("cp-1-join")).toBe(waveOf("cp-2-join"));
    expect(waveOf("joined-gate")).toBe(waves.length);
    expect(waveOf("cp-2-upgrade")).toBe(waves.length - 1);
    expect(waves.length).toBe(13);
  }, 40_000);
});
