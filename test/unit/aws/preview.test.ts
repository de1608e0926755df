import { BASE_ARGS, installAwsMocks, outputValue, settle } from "./support";

describe("HaControlPlane on AWS (preview mode)", () => {
  test("nodesByZone is known in preview, in zone order, from the plan", async () => {
    const recorder = await installAwsMocks(true);
    const { HaControlPlane } = await import("../../../src/aws");
    const cluster = new HaControlPlane("p", { ...BASE_ARGS, etcdTopology: "external" });
    await settle(recorder);
    expect(await (cluster.nodesByZone as any).isKnown).toBe(true);
    expect(await outputValue(cluster.nodesByZone)).toEqual({
      "us-east-1a": ["cp-0", "etcd-0"],
      "us-east-1b": ["cp-1", "etcd-1"],
      "us-east-1c": ["cp-2", "etcd-2"],
    });
  });
});
