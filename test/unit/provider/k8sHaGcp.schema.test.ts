/**
 * The schema of the `k8s-ha-gcp` package: Pulumi's analyzer run in-process over provider/k8s-ha-gcp. GCP's
 * HaControlPlane extends the clouds' shared CloudHaControlPlane: its inherited outputs are in the schema too.
 */
import { BASE_ARGS, installGcpMocks, settle } from "../gcp/support";
import { declaredOutputs, schemaOf, schemaOutputs, typeOf, undocumented } from "./support";

const TOKEN = "k8s-ha-gcp:index:HaControlPlane";
let schema: ReturnType<typeof schemaOf>;

beforeAll(() => {
  schema = schemaOf("k8s-ha-gcp");
});

test("one component resource, every input and output described, the GCP unions as enums", () => {
  expect(Object.keys(schema.resources)).toEqual([TOKEN]);
  expect(undocumented(schema)).toEqual([]);
  const inputs = schema.resources[TOKEN].inputProperties;
  expect(schema.resources[TOKEN].requiredInputs).toEqual(["adminCidrs", "clusterName"]);
  expect(typeOf(inputs.apiLoadBalancerScheme)).toBe("#/types/k8s-ha-gcp:index:ApiLoadBalancerScheme");
  expect(schema.types["k8s-ha-gcp:index:ApiLoadBalancerScheme"].enum).toEqual([
    { name: "Internal", value: "internal" },
    { name: "InternetFacing", value: "internet-facing" },
  ]);

  expect(typeOf(inputs.sshPrivateKey)).toBe("Input<string>");
});

test("the outputs (own and inherited) and secrets are exactly those of an instance", async () => {
  const recorder = await installGcpMocks(false);
  const { HaControlPlane } = await import("../../../src/gcp");
  const cluster = new HaControlPlane("schema", BASE_ARGS);
  await settle(recorder);
  const served = schemaOutputs(schema.resources[TOKEN]);
  expect(served).toEqual(await declaredOutputs(cluster));
  expect(served.names).toEqual(expect.arrayContaining(["network", "kubeconfig", "quorum"]));
  expect(served.secret).toEqual(["kubeconfig", "sshPrivateKey", "workerJoinCommand", "workerJoinToken"]);
});
