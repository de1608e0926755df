import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import { parseIpv4Cidr } from "../topology/cidr";
import { subnetCidr } from "./cidr";
import type { AwsSettings } from "./validate";

/** The network the machines go into, whether created or given. Index i of every list is zone i. */
export interface ClusterNetwork {
  /** The VPC. */
  vpcId: pulumi.Input<string>;
  /** One private subnet per zone (control planes, etcd members, internal load balancer). */
  privateSubnetIds: pulumi.Input<string>[];
  /** One public subnet per zone (bastion, internet-facing load balancer); undefined for a given VPC without them. */
  publicSubnetIds?: pulumi.Input<string>[];
  /** Resources machines in zone i must wait for before booting (their NAT route), so cloud-init can download. */
  egressReady: pulumi.Resource[][];
  /** Address range of the VPC when the component created it (for `nodeSubnets`); undefined for a given VPC. */
  vpcCidr?: string;
}

/** What {@link createNetwork} needs besides the settings. */
export interface NetworkContext {
  /** Component name, prefix of every child name. */
  name: string;
  /** The zones, in order. */
  zones: string[];
  /** Tags for a resource given its `Name` tag. */
  tags: (resourceName: string) => Record<string, string>;
  /** Parent of every child. */
  parent: pulumi.Resource;
}

/** Uses the given VPC and subnets, or creates a VPC with a public and a private subnet per zone. */
export function clusterNetwork(settings: AwsSettings, ctx: NetworkContext): ClusterNetwork {
  if (settings.existing) {
    return { ...settings.existing, egressReady: ctx.zones.map(() => []) };
  }
  return createNetwork(settings.vpcCidr!, settings.natGateways === "perZone", ctx);
}

/**
 * Creates a VPC with DNS support, an internet gateway, per zone a public subnet (1/16 of the VPC, from index 8)
 * and a private subnet (1/16, index i), and NAT gateways (one per zone, or one in zone 0) for private egress.
 */
function createNetwork(vpcCidr: string, natPerZone: boolean, ctx: NetworkContext): ClusterNetwork {
  const { name, zones, tags, parent } = ctx;
  const opts = { parent };
  const range = parseIpv4Cidr(vpcCidr)!;
  const vpc = new ec2.Vpc(`${name}-vpc`, {
    cidrBlock: vpcCidr,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: tags(`${name}-vpc`),
  }, opts);
  const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags(`${name}-igw`) }, opts);
  const publicRoutes = new ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
    tags: tags(`${name}-public`),
  }, opts);

  const publicSubnets = zones.map((zone, i) => {
    const subnet = new ec2.Subnet(`${name}-public-${i}`, {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: subnetCidr(range, 4, 8 + i),
      mapPublicIpOnLaunch: false,
      tags: { ...tags(`${name}-public-${i}`), "kubernetes.io/role/elb": "1" },
    }, opts);
    new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
    return subnet;
  });

  const natZones = natPerZone ? zones.map((_, i) => i) : [0];
  const nats = natZones.map((i) => {
    const eip = new ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: tags(`${name}-nat-${i}`) }, { parent, dependsOn: [igw] });
    return new ec2.NatGateway(`${name}-nat-${i}`, {
      allocationId: eip.id,
      subnetId: publicSubnets[i].id,
      tags: tags(`${name}-nat-${i}`),
    }, { parent, dependsOn: [igw] });
  });

  const egressReady: pulumi.Resource[][] = [];
  const privateSubnets = zones.map((zone, i) => {
    const subnet = new ec2.Subnet(`${name}-private-${i}`, {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: subnetCidr(range, 4, i),
      tags: { ...tags(`${name}-private-${i}`), "kubernetes.io/role/internal-elb": "1" },
    }, opts);
    const routes = new ec2.RouteTable(`${name}-private-${i}`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[natPerZone ? i : 0].id }],
      tags: tags(`${name}-private-${i}`),
    }, opts);
    const association = new ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, opts);
    egressReady.push([routes, association]);
    return subnet;
  });

  return {
    vpcId: vpc.id,
    privateSubnetIds: privateSubnets.map((s) => s.id),
    publicSubnetIds: publicSubnets.map((s) => s.id),
    egressReady,
    vpcCidr,
  };
}
