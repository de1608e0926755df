import type { MockInvokes } from "./mocks";

/** A subnet of a given VPC, as a unit test declares it: its zone and VPC. */
export interface MockSubnet {
  availabilityZone: string;
  vpcId: string;
}

/**
 * Invoke answers describing the VPCs and subnets a stack passes to the AWS `HaControlPlane` (`vpcId`,
 * `privateSubnetIds`, `publicSubnetIds`), which it looks up to check each subnet's zone and VPC. Pass them as
 * `k8sHaMocks({ cloud: "aws", invokes: awsMockExistingNetwork({ "vpc-1": "10.20.0.0/16" }, { "subnet-a": { availabilityZone: "eu-west-1a", vpcId: "vpc-1" } }) })`.
 * A look-up of an undeclared VPC or subnet throws, naming it. Loads no cloud SDK.
 */
export function awsMockExistingNetwork(vpcs: Record<string, string>, subnets: Record<string, MockSubnet>): MockInvokes {
  const known = <T>(table: Record<string, T>, kind: string, id: string): T => {
    if (!(id in table)) throw new Error(`pulumi-k8s-ha/testing: ${kind} ${id} is not declared in awsMockExistingNetwork`);
    return table[id];
  };
  return {
    "aws:ec2/getVpc:getVpc": (args) => ({ id: args.id, cidrBlock: known(vpcs, "VPC", args.id) }),
    "aws:ec2/getSubnet:getSubnet": (args) => ({ id: args.id, ...known(subnets, "subnet", args.id) }),
  };
}

/** A subnetwork a stack passes to the GCP `HaControlPlane` (`network`, `subnetwork`), as a unit test declares it. */
export interface MockSubnetwork {
  region: string;
  network: string;
  ipCidrRange: string;
}

/**
 * Invoke answers describing the subnetworks a stack passes to the GCP `HaControlPlane`, which it looks up to check
 * their region, network and range: `k8sHaMocks({ cloud: "gcp", invokes: gcpMockExistingSubnetworks({ "shared-subnet":
 * { region: "europe-west1", network: "shared-vpc", ipCidrRange: "10.20.0.0/20" } }) })`, keyed by the name or self
 * link the stack gives. A look-up of an undeclared one throws, naming it. Loads no cloud SDK.
 */
export function gcpMockExistingSubnetworks(subnetworks: Record<string, MockSubnetwork>): MockInvokes {
  return {
    "gcp:compute/getSubnetwork:getSubnetwork": (args) => {
      const key = args.selfLink ?? args.name;
      if (!(key in subnetworks)) throw new Error(`pulumi-k8s-ha/testing: subnetwork ${key} is not declared in gcpMockExistingSubnetworks`);
      return { ...subnetworks[key], name: key };
    },
  };
}
