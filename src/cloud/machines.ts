import * as pulumi from "@pulumi/pulumi";
import { failDeployment } from "../cluster/deploymentFailure";
import type { QuorumReport } from "../cluster/quorumReport";
import type { ClusterHost } from "../cluster/types";
import type { PlannedNode, TopologyPlan } from "../topology/types";

/** One machine a cloud layer created for a plan node. */
export interface CloudMachine {
  /** The plan node it serves. */
  node: PlannedNode;
  /** Its private IP address. */
  address: pulumi.Output<string>;
  /** The zone the cloud reports the machine in (the plan put it in `node.zone`). */
  zone: pulumi.Output<string>;
  /** The machine resource (commands on it are deleted with it). */
  machine: pulumi.Resource;
}

/** One machine of the cluster as the outputs show it. */
export interface CloudClusterNode {
  /** Plan node name, e.g. `cp-0`, `etcd-2`. */
  name: string;
  /** `control-plane` or `etcd`. */
  role: string;
  /** Zone (availability zone on AWS) the cloud reports the machine in. */
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

/**
 * The zone each machine is really in, by node name, as the cloud reports it. A machine outside its planned zone
 * fails the update naming it, after `context` (e.g. `HaControlPlane prod`; see {@link failDeployment}): the plan's
 * fault tolerance would not hold. The outputs still report where each machine is.
 */
export function machineZones(machines: CloudMachine[], parent: pulumi.Resource, context: string): pulumi.Output<Record<string, string>> {
  return pulumi.all(machines.map(({ zone }) => zone)).apply((zones) => {
    const byName: Record<string, string> = {};
    machines.forEach(({ node }, i) => {
      byName[node.name] = zones[i];
      if (zones[i] !== node.zone) {
        failDeployment(`${node.name}: the cloud reports the machine in zone ${zones[i]}, but the plan counts it in ${node.zone}: the quorum report's fault tolerance does not hold. Give subnets (or zones) that match, then replace the machine with rollNodes: ["${node.name}"].`, parent, context);
      }
    });
    return byName;
  });
}

/** The `nodes` output: every machine with its role, the zone it is really in and its private address, in plan order. */
export function clusterNodes(machines: CloudMachine[], zones: pulumi.Output<Record<string, string>>): pulumi.Output<CloudClusterNode[]> {
  return pulumi.all([pulumi.all(machines.map(({ address }) => address)), zones]).apply(([addresses, byName]) =>
    machines.map(({ node }, i) => ({ name: node.name, role: node.role, zone: byName[node.name], address: addresses[i] })),
  );
}

/** The `quorum` output with the zone each machine is really in (`machineZones`). */
export function quorumWithZones(quorum: pulumi.Output<QuorumReport>, zones: pulumi.Output<Record<string, string>>): pulumi.Output<QuorumReport> {
  return pulumi.all([quorum, zones]).apply(([report, machineZones]) => ({ ...report, machineZones }));
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
