import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../cluster/types";
import type { PlannedNode, TopologyPlan } from "../topology/types";

/** One machine a cloud layer created for a plan node. */
export interface CloudMachine {
  /** The plan node it serves. */
  node: PlannedNode;
  /** Its private IP address. */
  address: pulumi.Output<string>;
  /** The machine resource (commands on it are deleted with it). */
  machine: pulumi.Resource;
}

/** One machine of the cluster as the outputs show it. */
export interface CloudClusterNode {
  /** Plan node name, e.g. `cp-0`, `etcd-2`. */
  name: string;
  /** `control-plane` or `etcd`. */
  role: string;
  /** Zone (availability zone on AWS). */
  zone: string;
  /** Private IP address. */
  address: string;
}

/** How the program reaches the machines over SSH. */
export interface SshAccess {
  /** Login user. */
  user: string;
  /** Private key (secret). */
  privateKey: pulumi.Output<string>;
  /** Public address of the bastion to jump through, when there is one. */
  bastionAddress?: pulumi.Output<string>;
  /** Values (e.g. firewall rule ids) that resolve once the SSH path is open: no command dials before. */
  openedBy: pulumi.Output<string>[];
}

/** The SSH hosts handed to the bootstrap, one per machine in plan order. */
export function sshHosts(machines: CloudMachine[], access: SshAccess): ClusterHost[] {
  const opened = pulumi.all(access.openedBy);
  const sshReady = (value: pulumi.Output<string>) => pulumi.all([value, opened]).apply(([v]) => v);
  const proxy = access.bastionAddress
    ? { host: sshReady(access.bastionAddress), user: access.user, privateKey: access.privateKey }
    : undefined;
  return machines.map(({ node, address, machine }) => ({
    name: node.name,
    zone: node.zone,
    privateAddress: address,
    connection: { host: sshReady(address), user: access.user, privateKey: access.privateKey, proxy },
    machine,
  }));
}

/** The `nodes` output: every machine with its role, zone and private address, in plan order. */
export function clusterNodes(machines: CloudMachine[]): pulumi.Output<CloudClusterNode[]> {
  return pulumi.all(machines.map(({ address }) => address)).apply((addresses) =>
    machines.map(({ node }, i) => ({ name: node.name, role: node.role, zone: node.zone, address: addresses[i] })),
  );
}

/** Node names per zone, in zone order (zones without a node are left out). Known in preview. */
export function namesByZone(plan: TopologyPlan): Record<string, string[]> {
  const byZone: Record<string, string[]> = {};
  for (const zone of plan.zones) {
    const names = plan.nodes.filter((node) => node.zone === zone).map((node) => node.name);
    if (names.length > 0) byZone[zone] = names;
  }
  return byZone;
}
