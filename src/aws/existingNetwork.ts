import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkProblem } from "../cloud/networkProblem";
import { resolvedForCheck } from "../cluster/lateInputs";
import { cidrsOverlap, parseIpv4Cidr } from "../topology/cidr";
import { describeValue } from "../topology/describe";

/** What the cloud says of one given subnet. */
export interface SubnetFacts {
  id: string;
  availabilityZone: string;
  vpcId: string;
}

/** The given network as the cloud describes it: the VPC's CIDR and each list's subnets, index i in zones[i]. */
export interface ExistingNetworkFacts {
  vpcId: string;
  vpcCidr: string;
  privateSubnets: SubnetFacts[];
  publicSubnets?: SubnetFacts[];
}

/**
 * The first thing wrong with a given VPC and its subnets against the plan, or undefined: subnet i must be in
 * `zones[i]` (the zone the quorum plan counted it in) and in the VPC, no subnet given twice, and the VPC's range
 * clear of the pod and service ranges. Pure.
 */
export function existingNetworkProblem(facts: ExistingNetworkFacts, zones: string[], ranges: { podSubnet: string; serviceSubnet: string }): NetworkProblem | undefined {
  const seen = new Map<string, string>();
  const lists: [string, SubnetFacts[] | undefined][] = [
    ["privateSubnetIds", facts.privateSubnets],
    ["publicSubnetIds", facts.publicSubnets],
  ];
  for (const [field, subnets] of lists) {
    for (const [i, subnet] of (subnets ?? []).entries()) {
      const at = `${field}[${i}]`;
      if (subnet.availabilityZone !== zones[i]) {
        return { field: at, message: `${subnet.id} is in ${subnet.availabilityZone}, but zones[${i}] is ${zones[i]}: the quorum plan would count its machines in the wrong zone. Give a subnet of ${zones[i]}, or list zones in your subnets' order.` };
      }
      if (subnet.vpcId !== facts.vpcId) {
        return { field: at, message: `${subnet.id} belongs to ${subnet.vpcId}, not vpcId ${facts.vpcId}. Give subnets of ${facts.vpcId}.` };
      }
      const first = seen.get(subnet.id);
      if (first !== undefined) return { field: at, message: `${subnet.id} is also ${first}. Give each zone and role its own subnet.` };
      seen.set(subnet.id, at);
    }
  }
  const vpcRange = parseIpv4Cidr(facts.vpcCidr);
  for (const field of ["podSubnet", "serviceSubnet"] as const) {
    const range = parseIpv4Cidr(ranges[field]);
    if (vpcRange && range && cidrsOverlap(vpcRange, range)) {
      return { field: "vpcId", message: `${facts.vpcId} (${facts.vpcCidr}) overlaps ${field} ${ranges[field]}: machines and ${field === "podSubnet" ? "pods" : "Services"} would share addresses. Choose a ${field} outside the VPC.` };
    }
  }
  return undefined;
}

/** The given network, as the arguments name it. */
export interface GivenNetwork {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  publicSubnetIds?: pulumi.Input<string>[];
}

/**
 * Looks the given VPC and subnets up (invokes, which run in the preview) and throws an `Error` starting with the
 * field at fault when {@link existingNetworkProblem} finds one, before any child exists. IDs that are outputs of
 * other resources or stacks are looked up once they resolve: in an update before any child is created; in a
 * preview only when every ID is a plain string (an output may stay unknown there), else at `pulumi up`.
 */
export async function checkGivenNetwork(given: GivenNetwork, zones: string[], ranges: { podSubnet: string; serviceSubnet: string }, parent: pulumi.Resource): Promise<void> {
  const privateCount = given.privateSubnetIds.length;
  const ids = await resolvedForCheck([given.vpcId, ...given.privateSubnetIds, ...(given.publicSubnetIds ?? [])]);
  if (ids === undefined) return;
  ids.forEach((id, i) => {
    const field = i === 0 ? "vpcId" : i <= privateCount ? `privateSubnetIds[${i - 1}]` : `publicSubnetIds[${i - 1 - privateCount}]`;
    if (typeof id !== "string" || id === "") throw new Error(`${field}: resolved to ${describeValue(id)}, not an ID. Check the output you pass (e.g. the StackReference output's name).`);
  });
  const [vpcId, ...subnetIds] = ids;
  const describe = (list: string[]) =>
    Promise.all(list.map(async (id) => {
      const subnet = await ec2.getSubnet({ id }, { parent });
      return { id, availabilityZone: subnet.availabilityZone, vpcId: subnet.vpcId };
    }));
  const [vpc, privateSubnets, publicSubnets] = await Promise.all([
    ec2.getVpc({ id: vpcId }, { parent }),
    describe(subnetIds.slice(0, privateCount)),
    given.publicSubnetIds ? describe(subnetIds.slice(privateCount)) : Promise.resolve(undefined),
  ]);
  const problem = existingNetworkProblem({ vpcId, vpcCidr: vpc.cidrBlock, privateSubnets, publicSubnets }, zones, ranges);
  if (problem) throw new Error(`${problem.field}: ${problem.message}`);
}
