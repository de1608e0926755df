import * as compute from "@pulumi/gcp/compute";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkProblem } from "../cloud/networkProblem";
import { resolvedForCheck } from "../cluster/lateInputs";
import { cidrsOverlap, parseIpv4Cidr } from "../topology/cidr";
import { describeValue } from "../topology/describe";

/** What Compute Engine says of the given subnetwork (self links or names). */
export interface SubnetworkFacts {
  region: string;
  network: string;
  ipCidrRange: string;
}

/** The last segment of a name or self link (`.../networks/vpc` -> `vpc`). */
const shortName = (nameOrLink: string): string => nameOrLink.split("/").pop() ?? nameOrLink;

/**
 * The first thing wrong with a given subnetwork against the plan, or undefined: it must be in `region` (every
 * machine's zone is in it), belong to `network`, and its range must be clear of the pod and service ranges. Pure.
 */
export function existingSubnetworkProblem(
  facts: SubnetworkFacts,
  given: { network: string; subnetwork: string; region: string },
  ranges: { podSubnet: string; serviceSubnet: string },
): NetworkProblem | undefined {
  if (shortName(facts.region) !== given.region) {
    return { field: "subnetwork", message: `${given.subnetwork} is in ${shortName(facts.region)}, not region ${given.region}: the machines' zones would not reach it. Give a subnetwork of ${given.region}.` };
  }
  if (shortName(facts.network) !== shortName(given.network)) {
    return { field: "subnetwork", message: `${given.subnetwork} belongs to network ${shortName(facts.network)}, not ${given.network}. Give a subnetwork of ${given.network}, or its network.` };
  }
  const subnetRange = parseIpv4Cidr(facts.ipCidrRange);
  for (const field of ["podSubnet", "serviceSubnet"] as const) {
    const range = parseIpv4Cidr(ranges[field]);
    if (subnetRange && range && cidrsOverlap(subnetRange, range)) {
      return { field: "subnetwork", message: `${given.subnetwork} (${facts.ipCidrRange}) overlaps ${field} ${ranges[field]}: machines and ${field === "podSubnet" ? "pods" : "Services"} would share addresses. Choose a ${field} outside it.` };
    }
  }
  return undefined;
}

/**
 * Looks the given subnetwork up (an invoke, which runs in the preview) and throws an `Error` starting with the field
 * at fault when {@link existingSubnetworkProblem} finds one, before any child exists. `network` and `subnetwork`
 * given as outputs are looked up once they resolve: in an update before any child is created; in a preview only
 * when both are plain strings (an output may stay unknown there), else at `pulumi up`.
 */
export async function checkGivenSubnetwork(
  given: { network?: pulumi.Input<string>; subnetwork?: pulumi.Input<string>; region: string },
  ranges: { podSubnet: string; serviceSubnet: string },
  parent: pulumi.Resource,
): Promise<void> {
  const { region } = given;
  if (given.network === undefined || given.subnetwork === undefined) return;
  const resolved = await resolvedForCheck([given.network, given.subnetwork]);
  if (resolved === undefined) return;
  const [network, subnetwork] = resolved;
  for (const [field, value] of [["network", network], ["subnetwork", subnetwork]] as const) {
    if (typeof value !== "string" || value === "") throw new Error(`${field}: resolved to ${describeValue(value)}, not a name or self link. Check the output you pass (e.g. the StackReference output's name).`);
  }
  const byLink = subnetwork.startsWith("https://") || subnetwork.startsWith("projects/");
  const facts = await compute.getSubnetwork(byLink ? { selfLink: subnetwork } : { name: subnetwork, region }, { parent });
  const problem = existingSubnetworkProblem({ region: facts.region, network: facts.network, ipCidrRange: facts.ipCidrRange }, { network, subnetwork, region }, ranges);
  if (problem) throw new Error(`${problem.field}: ${problem.message}`);
}
