import * as pulumi from "@pulumi/pulumi";
import { validated } from "../cluster/argumentError";
import type { QuorumReport } from "../cluster/quorumReport";
import type { ClusterHost } from "../cluster/types";
import { planTopology } from "../topology/plan";
import type { TopologyPlan } from "../topology/types";
import type { HaControlPlaneArgs } from "./args";
import { bootstrapCluster } from "./bootstrap";
import { clusterImage } from "./image";
import { apiLoadBalancer } from "./loadBalancer";
import { bastionMachine, clusterMachine, type MachineContext } from "./machines";
import { clusterNetwork } from "./network";
import { clusterSecurityGroups } from "./securityGroups";
import { clusterSshKey } from "./sshKey";
import { validateAwsArgs, type AwsSettings } from "./validate";
import { resolveZones } from "./zones";

/** Type token of {@link HaControlPlane}. */
export const HA_CONTROL_PLANE_TYPE = "pulumi-k8s-ha:aws:HaControlPlane";

/** API server port on the load balancer and the machines. */
const API_PORT = 6443;

/** One machine of the cluster as the outputs show it. */
export interface AwsClusterNode {
  /** Plan node name, e.g. `cp-0`, `etcd-2`. */
  name: string;
  /** `control-plane` or `etcd`. */
  role: string;
  /** Availability zone. */
  zone: string;
  /** Private IP address. */
  address: string;
}

/** Everything {@link HaControlPlane} builds once the zones are known; undefined when it reported an error instead. */
interface BuiltCluster {
  kubeconfig: pulumi.Output<string>;
  apiServerEndpoint: pulumi.Output<string>;
  nodes: pulumi.Output<AwsClusterNode[]>;
  etcdEndpoints: pulumi.Output<string[]>;
  quorum: pulumi.Output<QuorumReport>;
  plan: pulumi.Output<TopologyPlan>;
  vpcId: pulumi.Output<string>;
  privateSubnetIds: pulumi.Output<string[]>;
  loadBalancerDnsName: pulumi.Output<string>;
  controlPlaneSecurityGroupId: pulumi.Output<string>;
  bastionPublicIp: pulumi.Output<string | undefined>;
  sshPrivateKey: pulumi.Output<string>;
}

/**
 * A highly available kubeadm control plane on EC2: network (given or created), least-privilege security
 * groups, control planes (and external etcd members) spread over availability zones by the planner, an
 * internal or internet-facing NLB on 6443, an optional bastion, then the cloud-neutral bootstrap
 * (`EtcdCluster`, `KubeadmControlPlane`) over SSH.
 *
 * Every argument is validated, and the topology planned, synchronously in the constructor: bad input throws
 * an `ArgumentError` naming the field before anything (not even the component) is registered. Zones looked up from the region arrive later;
 * the children are created in `initialize` once they are known. Machines ignore AMI and user-data changes by
 * default; roll them one per update with `rollNodes`.
 */
export class HaControlPlane extends pulumi.ComponentResource<BuiltCluster | undefined> {
  /** Admin kubeconfig (secret) for the load-balanced endpoint. */
  readonly kubeconfig: pulumi.Output<string>;
  /** `https://<nlb dns name>:6443`. */
  readonly apiServerEndpoint: pulumi.Output<string>;
  /** Every machine (control planes, then etcd members) with its zone and private IP. */
  readonly nodes: pulumi.Output<AwsClusterNode[]>;
  /** Node names per availability zone. */
  readonly nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** etcd client URLs. */
  readonly etcdEndpoints: pulumi.Output<string[]>;
  /** Planned fault tolerance and what the final quorum gate observed. */
  readonly quorum: pulumi.Output<QuorumReport>;
  /** The topology plan with the real zone names (warnings included). */
  readonly plan: pulumi.Output<TopologyPlan>;
  /** The VPC. */
  readonly vpcId: pulumi.Output<string>;
  /** Private subnets, one per zone. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** DNS name of the API load balancer. */
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** Security group of the control planes: add rules here for your worker nodes. */
  readonly controlPlaneSecurityGroupId: pulumi.Output<string>;
  /** Public IP of the bastion (undefined without one). */
  readonly bastionPublicIp: pulumi.Output<string | undefined>;
  /** Private SSH key of every machine (secret). */
  readonly sshPrivateKey: pulumi.Output<string>;

  /** Validated settings, read by {@link initialize} once the constructor has finished. */
  private settings?: AwsSettings;

  /**
   * @param name unique name of the component; children are named `${name}-...`
   * @param args see {@link HaControlPlaneArgs}
   * @param opts component options
   * @throws ArgumentError naming the field at fault, before anything (not even the component) is registered
   */
  constructor(name: string, args: HaControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = validated(`HaControlPlane ${name}`, () => validateAwsArgs(args));
    super(HA_CONTROL_PLANE_TYPE, name, {}, opts);
    this.settings = settings;

    const pick = <T>(field: (built: BuiltCluster) => pulumi.Output<T>): pulumi.Output<T> =>
      pulumi.output(this.getData().then((built) => (built ? field(built) : pulumi.output(pulumi.unknown)))) as pulumi.Output<T>;
    this.kubeconfig = pick((b) => b.kubeconfig);
    this.apiServerEndpoint = pick((b) => b.apiServerEndpoint);
    this.nodes = pick((b) => b.nodes);
    this.nodesByZone = this.nodes.apply(groupByZone);
    this.etcdEndpoints = pick((b) => b.etcdEndpoints);
    this.quorum = pick((b) => b.quorum);
    this.plan = pick((b) => b.plan);
    this.vpcId = pick((b) => b.vpcId);
    this.privateSubnetIds = pick((b) => b.privateSubnetIds);
    this.loadBalancerDnsName = pick((b) => b.loadBalancerDnsName);
    this.controlPlaneSecurityGroupId = pick((b) => b.controlPlaneSecurityGroupId);
    this.bastionPublicIp = pick((b) => b.bastionPublicIp);
    this.sshPrivateKey = pick((b) => b.sshPrivateKey);
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      apiServerEndpoint: this.apiServerEndpoint,
      nodes: this.nodes,
      nodesByZone: this.nodesByZone,
      etcdEndpoints: this.etcdEndpoints,
      quorum: this.quorum,
      plan: this.plan,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      loadBalancerDnsName: this.loadBalancerDnsName,
      controlPlaneSecurityGroupId: this.controlPlaneSecurityGroupId,
      bastionPublicIp: this.bastionPublicIp,
      sshPrivateKey: this.sshPrivateKey,
    });
  }

  /**
   * Resolves the zones, plans with them and creates every child. Errors found here (the region has fewer
   * zones than asked, or a failing lookup) are reported with `pulumi.log.error` against the component, which
   * fails the update, instead of a rejected promise that nothing would catch.
   */
  protected async initialize(_args: pulumi.Inputs, _opts: unknown, name: string): Promise<BuiltCluster | undefined> {
    await Promise.resolve(); // let the constructor finish and set `settings`
    const settings = this.settings!;
    try {
      const zones = await resolveZones(settings.zones, settings.zoneCount, this);
      if (zones.length < settings.zoneCount) {
        await pulumi.log.error(
          `zoneCount: the region has ${zones.length} available zones (${zones.join(", ")}) but ${settings.zoneCount} were asked for. ` +
            "Lower zoneCount, give zones, or pick another region.",
          this,
        );
        return undefined;
      }
      return this.build(name, settings, zones);
    } catch (error) {
      await pulumi.log.error(error instanceof Error ? error.message : String(error), this);
      return undefined;
    }
  }

  /** Creates the children for the known zones. */
  private build(name: string, settings: AwsSettings, zones: string[]): BuiltCluster {
    const plan = planTopology({
      zones,
      controlPlaneCount: settings.controlPlaneCount,
      etcdTopology: settings.etcdTopology,
      etcdMemberCount: settings.etcdMemberCount,
      tolerateZoneFailure: settings.tolerateZoneFailure,
    });
    const clusterName = settings.cluster.clusterName;
    const tags = (resourceName: string) => ({
      ...settings.tags,
      Name: resourceName,
      [`kubernetes.io/cluster/${clusterName}`]: "owned",
    });

    const network = clusterNetwork(settings, { name, zones, tags, parent: this });
    const groups = clusterSecurityGroups({
      name,
      vpcId: network.vpcId,
      stacked: settings.etcdTopology === "stacked",
      bastion: settings.createBastion,
      apiAllowedCidrs: settings.apiAllowedCidrs,
      adminCidrs: settings.adminCidrs,
      apiPort: API_PORT,
      tags,
      parent: this,
    });
    const key = clusterSshKey(settings, name, tags(`${name}-ssh`), this);
    const machineContext: MachineContext = {
      name,
      clusterName,
      kubernetesVersion: settings.cluster.kubernetesVersion,
      image: clusterImage(settings.imageId, this),
      keyName: key.keyPair.keyName,
      rootVolumeSizeGiB: settings.rootVolumeSizeGiB,
      rootVolumeKmsKeyId: settings.rootVolumeKmsKeyId,
      followsImage: (nodeName) => settings.replaceOnImageChange || settings.rollNodes.includes(nodeName),
      tags,
      parent: this,
    };
    const bastion =
      settings.createBastion && network.publicSubnetIds && groups.bastion
        ? bastionMachine(machineContext, network.publicSubnetIds[0], settings.bastionInstanceType, groups.bastion.id)
        : undefined;
    const machines = plan.nodes.map((node) => {
      const zoneIndex = zones.indexOf(node.zone);
      const etcd = node.role === "etcd";
      const instance = clusterMachine(machineContext, {
        node,
        subnetId: network.privateSubnetIds[zoneIndex],
        instanceType: etcd ? settings.etcdInstanceType : settings.controlPlaneInstanceType,
        securityGroupId: etcd && groups.etcd ? groups.etcd.id : groups.controlPlane.id,
        dependsOn: network.egressReady[zoneIndex],
      });
      return { node, instance };
    });

    // SSH targets carry the SSH rules as dependencies: no command dials before its path is open.
    const ruleUrns = pulumi.all(groups.sshRules.map((rule) => rule.urn));
    const sshReady = (value: pulumi.Output<string>) => pulumi.all([value, ruleUrns]).apply(([v]) => v);
    const proxy = bastion ? { host: sshReady(bastion.publicIp), user: settings.sshUser, privateKey: key.privateKey } : undefined;
    const hosts: ClusterHost[] = machines.map(({ node, instance }) => ({
      name: node.name,
      zone: node.zone,
      privateAddress: instance.privateIp,
      connection: { host: sshReady(instance.privateIp), user: settings.sshUser, privateKey: key.privateKey, proxy },
      machine: instance,
    }));

    const api = apiLoadBalancer(
      {
        name,
        vpcId: network.vpcId,
        internal: settings.scheme === "internal",
        subnetIds: settings.scheme === "internal" ? network.privateSubnetIds : network.publicSubnetIds!,
        securityGroupId: groups.loadBalancer.id,
        port: API_PORT,
        tags: tags(`${name}-api`),
        parent: this,
      },
      machines.filter(({ node }) => node.role === "control-plane").map(({ node, instance }) => ({ name: node.name, ip: instance.privateIp })),
    );

    const controlPlane = bootstrapCluster({
      name,
      settings,
      zones,
      controlPlaneHosts: hosts.filter((_, i) => plan.nodes[i].role === "control-plane"),
      etcdHosts: hosts.filter((_, i) => plan.nodes[i].role === "etcd"),
      endpoint: api.endpoint,
      nodeSubnets: network.vpcCidr ? [network.vpcCidr] : [],
      parent: this,
    });

    return {
      kubeconfig: controlPlane.kubeconfig,
      apiServerEndpoint: controlPlane.apiServerEndpoint,
      nodes: pulumi.all(machines.map(({ instance }) => instance.privateIp)).apply((ips) =>
        machines.map(({ node }, i) => ({ name: node.name, role: node.role, zone: node.zone, address: ips[i] })),
      ),
      etcdEndpoints: controlPlane.etcdEndpoints,
      quorum: controlPlane.quorum,
      plan: pulumi.output(plan),
      vpcId: pulumi.output(network.vpcId),
      privateSubnetIds: pulumi.output(network.privateSubnetIds),
      loadBalancerDnsName: api.loadBalancer.dnsName,
      controlPlaneSecurityGroupId: groups.controlPlane.id,
      bastionPublicIp: bastion ? bastion.publicIp : pulumi.output(undefined),
      sshPrivateKey: key.privateKey,
    };
  }
}

/** Node names per zone, zones in first-seen order. */
function groupByZone(nodes: AwsClusterNode[]): Record<string, string[]> {
  const byZone: Record<string, string[]> = {};
  for (const node of nodes) (byZone[node.zone] ??= []).push(node.name);
  return byZone;
}
