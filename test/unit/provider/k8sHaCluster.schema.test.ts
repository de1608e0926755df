/**
 * The schema of the `k8s-ha-cluster` package (EtcdCluster, KubeadmControlPlane): Pulumi's analyzer run in-process
 * over provider/k8s-ha-cluster, checked against the outputs (and secrets) the instances really have.
 */
import { fakeHosts } from "../support/hosts";
import { installRecordingMocks, outputValue } from "../support/recordingMocks";
import { declaredOutputs, schemaOf, schemaOutputs, typeOf, undocumented } from "./support";

const zones = ["zone-a", "zone-b", "zone-c"];
let schema: ReturnType<typeof schemaOf>;

beforeAll(async () => {
  await installRecordingMocks();
  schema = schemaOf("k8s-ha-cluster");
});

test("two component resources, documented, every input and output described", () => {
  expect(Object.keys(schema.resources).sort()).toEqual(["k8s-ha-cluster:index:EtcdCluster", "k8s-ha-cluster:index:KubeadmControlPlane"]);
  expect(undocumented(schema)).toEqual([]);
});

test("KubeadmControlPlane's inputs: hosts with their SSH connection, the endpoint an Input, the external etcd tier as EtcdCluster's outputs", () => {
  const inputs = schema.resources["k8s-ha-cluster:index:KubeadmControlPlane"].inputProperties;
  expect(typeOf(inputs.controlPlaneHosts)).toBe("array<#/types/k8s-ha-cluster:index:ClusterHost>");
  expect(typeOf(inputs.apiServerEndpoint)).toBe("Input<string>");
  expect(typeOf(inputs.etcdTopology)).toBe("#/types/k8s-ha-cluster:index:EtcdTopology");
  expect(typeOf(inputs.externalEtcd)).toBe("#/types/k8s-ha-cluster:index:EtcdClusterOutputs");
  // the readiness handle is the command package's resource: the schema depends on that package
  expect(schema.resources["k8s-ha-cluster:index:KubeadmControlPlane"].properties.ready.$ref).toBe("/command/v1.2.1/schema.json#/resources/command:remote:Command");
});

test("the outputs and secrets are exactly those of EtcdCluster and KubeadmControlPlane instances", async () => {
  const { EtcdCluster, KubeadmControlPlane } = await import("../../../src/cluster");
  const etcd = new EtcdCluster("schema-etcd", { clusterName: "prod", zones, hosts: fakeHosts("etcd", 3, zones) });
  const controlPlane = new KubeadmControlPlane("schema", {
    clusterName: "prod",
    zones,
    controlPlaneHosts: fakeHosts("cp", 3, zones),
    etcdTopology: "external",
    externalEtcd: etcd,
    apiServerEndpoint: "10.9.9.9",
  });
  await outputValue(controlPlane.quorum);
  // the plain public fields (what KubeadmControlPlane's externalEtcd takes, the readiness handle) are outputs too
  expect(schemaOutputs(schema.resources["k8s-ha-cluster:index:EtcdCluster"])).toEqual(await declaredOutputs(etcd, ["hosts", "quorumPlan", "readyResources"]));
  expect(schemaOutputs(schema.resources["k8s-ha-cluster:index:KubeadmControlPlane"])).toEqual(await declaredOutputs(controlPlane, ["ready"]));
  expect(schemaOutputs(schema.resources["k8s-ha-cluster:index:EtcdCluster"]).secret).toEqual(["apiServerClientKeyPem"]);
});
