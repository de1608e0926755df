import { awsMockInvokes, awsMockResourceState } from "../../../src/aws/testing";
import { gcpMockInvokes, gcpMockResourceState } from "../../../src/gcp/testing";
import type { CloudClusterNode } from "../../../src/cloud/machines";
import type { QuorumReport } from "../../../src/cluster/quorumReport";
import { installCloudMocks, outputValue, settle, type CloudMocks } from "../support/cloudMocks";
import { refusalsDuring } from "../../../src/testing";

/** Builds a cloud component whose machine `drifted` the cloud reports in `reportedZone`; returns its outputs and the refusals. */
async function build(cloud: "aws" | "gcp", drifted?: { name: string; zoneField: string; reportedZone: string }) {
  const base: CloudMocks = cloud === "aws" ? { invokes: awsMockInvokes, resourceState: awsMockResourceState } : { invokes: gcpMockInvokes, resourceState: gcpMockResourceState };
  const instanceType = cloud === "aws" ? "aws:ec2/instance:Instance" : "gcp:compute/instance:Instance";
  const state = base.resourceState![instanceType];
  const recorder = await installCloudMocks(
    {
      invokes: base.invokes,
      resourceState: {
        ...base.resourceState,
        [instanceType]: (args) => ({ ...state(args), ...(drifted && args.name === drifted.name ? { [drifted.zoneField]: drifted.reportedZone } : {}) }),
      },
    },
    false,
  );
  const module = cloud === "aws" ? await import("../../../src/aws") : await import("../../../src/gcp");
  const zones = cloud === "aws" ? ["eu-west-1a", "eu-west-1b", "eu-west-1c"] : ["europe-west1-b", "europe-west1-c", "europe-west1-d"];
  let outputs: [CloudClusterNode[], QuorumReport] | undefined;
  const errors = await refusalsDuring(async () => {
    const cluster = new module.HaControlPlane("z", { clusterName: "demo", adminCidrs: ["203.0.113.7/32"], zones, region: "europe-west1" } as any);
    outputs = await Promise.all([outputValue(cluster.nodes), outputValue(cluster.quorum)]);
    await settle(recorder);
  });
  const [nodes, quorum] = outputs!;
  return { nodes, quorum, errors };
}

describe.each([
  ["aws", "availabilityZone", ["eu-west-1a", "eu-west-1b", "eu-west-1c"]],
  ["gcp", "zone", ["europe-west1-b", "europe-west1-c", "europe-west1-d"]],
] as const)("%s: nodes and quorum report the zone the cloud puts each machine in", (cloud, zoneField, zones) => {
  test("as planned: each machine in its zone, no error", async () => {
    const { nodes, quorum, errors } = await build(cloud);
    expect(nodes.map((node) => [node.name, node.zone])).toEqual([["cp-0", zones[0]], ["cp-1", zones[1]], ["cp-2", zones[2]]]);
    expect(quorum.machineZones).toEqual({ "cp-0": zones[0], "cp-1": zones[1], "cp-2": zones[2] });
    expect(errors).toEqual([]);
  });

  test("a machine the cloud reports elsewhere shows up in both outputs and fails the update naming it", async () => {
    const { nodes, quorum, errors } = await build(cloud, { name: "z-cp-1", zoneField, reportedZone: zones[2] });
    expect(nodes.find((node) => node.name === "cp-1")?.zone).toBe(zones[2]);
    expect(quorum.machineZones?.["cp-1"]).toBe(zones[2]);
    expect(errors).toEqual([
      `HaControlPlane z: cp-1: the cloud reports the machine in zone ${zones[2]}, but the plan counts it in ${zones[1]}: the quorum report's fault tolerance does not hold. Give subnets (or zones) that match, then replace the machine with rollNodes: ["cp-1"].`,
    ]);
  });
});
