import { BASE_ARGS, installGcpMocks, named, ofType, outputValue, Recorder, settle, T } from "./support";

let rec: Recorder;
let gcp: typeof import("../../../src/gcp");

beforeAll(async () => {
  rec = await installGcpMocks(true);
  gcp = await import("../../../src/gcp");
});

describe("HaControlPlane on GCP (preview mode)", () => {
  test("plans every machine, the firewall and the load balancer while addresses are unknown", async () => {
    const cp = new gcp.HaControlPlane("p", { ...BASE_ARGS, etcdTopology: "external" });
    await settle(rec, 300);
    expect(ofType(rec, T.instance).map((r) => r.inputs.name).sort()).toEqual(
      ["demo-bastion", "demo-cp-0", "demo-cp-1", "demo-cp-2", "demo-etcd-0", "demo-etcd-1", "demo-etcd-2"].sort(),
    );
    expect(ofType(rec, T.firewall).map((r) => r.inputs.name)).not.toContain("demo-api");
    expect(ofType(rec, T.firewall)).toHaveLength(8);
    expect(named(rec, T.healthCheck, "p-api-health").inputs.httpsHealthCheck).toEqual({ port: 6443, requestPath: "/readyz" });
    expect(named(rec, T.backendService, "p-api").inputs.loadBalancingScheme).toBe("INTERNAL");
    expect(ofType(rec, T.group)).toHaveLength(3);
    // The topology plan is known in preview, with the region's zones.
    expect(await (cp.nodesByZone as any).isKnown).toBe(true);
    expect(await outputValue(cp.nodesByZone)).toEqual({
      "europe-west1-a": ["cp-0", "etcd-0"],
      "europe-west1-b": ["cp-1", "etcd-1"],
      "europe-west1-c": ["cp-2", "etcd-2"],
    });
  });
});
