import { installGcpMocks, isSecret, ofType, outputValue, Recorder, settle, T } from "./support";

let rec: Recorder;
beforeAll(async () => {
  rec = await installGcpMocks(false);
});
beforeEach(() => rec.resources.splice(0));

const config = { clusterName: "ex", adminCidrs: ["203.0.113.7/32"], apiAllowedCidrs: ["203.0.113.7/32"] };
const region = { region: "us-central1" };

describe.each([
  ["gcp-stacked", 3],
  ["gcp-external-etcd", 6],
])("examples/%s", (example, machines) => {
  test("runs under mocks and exports a secret kubeconfig, the endpoint and the quorum report", async () => {
    const pulumi = await import("@pulumi/pulumi");
    pulumi.runtime.setConfig("gcp:region", region.region);
    const { stack } = (await import(`../../../examples/${example}/program`)) as typeof import("../../../examples/gcp-stacked/program");
    const outputs = stack(config);
    expect(await isSecret(outputs.kubeconfig)).toBe(true);
    expect(await outputValue(outputs.apiServerEndpoint)).toMatch(/^https:\/\/34\.120\.\d+\.\d+:6443$/);
    const quorum = await outputValue(outputs.quorum);
    expect(quorum.plan).toMatchObject({ voters: 3, zoneFailuresTolerated: 1 });
    expect(quorum.observed?.ok).toBe(true);
    expect(Object.keys(await outputValue(outputs.nodesByZone))).toEqual(["us-central1-a", "us-central1-b", "us-central1-c"]);
    expect(await isSecret(outputs.workerJoinCommand)).toBe(true);
    expect(await outputValue(outputs.workerJoinCommand)).toMatch(new RegExp(`^kubeadm join 34\\.120\\.\\d+\\.\\d+:6443 --token \\S+ --discovery-token-ca-cert-hash ${await outputValue(outputs.caCertHash)}$`));
    await settle(rec);
    expect(ofType(rec, T.instance).filter((r) => !r.name.endsWith("-bastion"))).toHaveLength(machines);
    expect(ofType(rec, T.forwardingRule)[0].inputs.loadBalancingScheme).toBe("EXTERNAL");
  });
});
