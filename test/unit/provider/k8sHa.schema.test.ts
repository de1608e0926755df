/**
 * The schema of the `k8s-ha` package (HostsControlPlane) as every other language sees it: Pulumi's analyzer run
 * in-process over provider/k8s-ha, checked against the component's TSDoc, its argument types and the outputs
 * (and secrets) its instances really have.
 */
import { installRecordingMocks } from "../support/recordingMocks";
import { validArgs } from "../hosts/support";
import { declaredOutputs, schemaOf, schemaOutputs, typeOf, undocumented } from "./support";

const TOKEN = "k8s-ha:index:HostsControlPlane";
let schema: ReturnType<typeof schemaOf>;

beforeAll(async () => {
  await installRecordingMocks();
  schema = schemaOf("k8s-ha");
});

test("one component resource, HostsControlPlane, with the class's TSDoc", () => {
  expect(schema.name).toBe("k8s-ha");
  expect(Object.keys(schema.resources)).toEqual([TOKEN]);
  expect(schema.resources[TOKEN].isComponent).toBe(true);
  expect(schema.resources[TOKEN].description).toMatch(/^A highly available kubeadm control plane on machines you already have/);
});

test("every input (and field of the types inputs use) and every output carries its TSDoc description", () => {
  expect(undocumented(schema)).toEqual([]);
  const inputs = schema.resources[TOKEN].inputProperties;
  expect(inputs.clusterName.description).toBe("Cluster name: a DNS label of at most 40 characters.");
  expect(inputs.etcdTopology.description).toContain('`"stacked"`: etcd on the control planes');
});

test("the inputs have the argument types: plain where they shape the graph, Input where a value may come from another stack", () => {
  const inputs = schema.resources[TOKEN].inputProperties;
  expect(schema.resources[TOKEN].requiredInputs).toEqual(["clusterName", "controlPlaneHosts"]);
  expect(Object.fromEntries(["clusterName", "controlPlaneHosts", "etcdTopology", "tolerateZoneFailure", "virtualRouterId", "nodeSubnets", "bastion", "etcdBackup"].map((name) => [name, typeOf(inputs[name])]))).toEqual({
    clusterName: "string",
    controlPlaneHosts: "array<#/types/k8s-ha:index:HostSpec>",
    etcdTopology: "#/types/k8s-ha:index:EtcdTopology",
    tolerateZoneFailure: "boolean",
    virtualRouterId: "number",
    nodeSubnets: "array<string>",
    bastion: "#/types/k8s-ha:index:BastionSpec",
    etcdBackup: "#/types/k8s-ha:index:EtcdBackupArgs",
  });
  const host = schema.types["k8s-ha:index:HostSpec"].properties!;
  expect(typeOf(host.privateKey)).toBe("Input<string>");
  expect(typeOf(host.port)).toBe("number");
});

test("a string-literal union is an enum of the schema, its values the literals", () => {
  expect(schema.types["k8s-ha:index:EtcdTopology"]).toEqual({
    type: "string",
    enum: [
      { name: "Stacked", value: "stacked" },
      { name: "External", value: "external" },
    ],
  });
});

test("the outputs are exactly those of a HostsControlPlane instance, and exactly its secret ones are marked secret", async () => {
  const { HostsControlPlane } = await import("../../../src/hosts");
  const declared = await declaredOutputs(new HostsControlPlane("schema", validArgs()));
  const served = schemaOutputs(schema.resources[TOKEN]);
  expect(served).toEqual(declared);
  expect(served.secret).toEqual(["kubeconfig", "workerJoinCommand", "workerJoinToken"]);
});

test("report outputs keep their structure: quorum is a typed object, `string | null` fields optional strings", () => {
  const outputs = schema.resources[TOKEN].properties;
  expect(outputs.quorum.$ref).toBe("#/types/k8s-ha:index:QuorumReport");
  expect(schema.types["k8s-ha:index:ObservedLeaders"].properties!.etcd).toMatchObject({ type: "string" });
  expect(schema.types["k8s-ha:index:GateObservation"].properties!.nodes.items!.$ref).toBe("#/types/k8s-ha:index:ObservedNode");
});
