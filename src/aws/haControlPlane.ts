import * as pulumi from "@pulumi/pulumi";
import { validated } from "../cluster/argumentError";
import { bootstrapCluster } from "../cloud/bootstrap";
import { workerJoinOutputsOf } from "../cluster/workerJoin";
import { CloudHaControlPlane, type BuiltCloudCluster } from "../cloud/haControlPlane";
import { clusterNodes, machineZones, quorumWithZones, sshHosts, type CloudClusterNode } from "../cloud/machines";
import { planTopology } from "../topology/plan";
import type { TopologyPlan } from "../topology/types";
import type { HaControlPlaneArgs } from "./args";
import { clusterImage } from "./image";
import { apiLoadBalancer } from "./loadBalancer";
import { bastionMachine, clusterMachine, type MachineContext } from "./machines";
import { clusterNetwork } from "./network";
import { clusterSecurityGroups } from "./securityGroups";
import { clusterSshKey } from "./sshKey";
import { validateAwsArgs, type AwsSettings } from "./validate";
import { resolveZones } from "./zones";
import { checkGivenNetwork } from "./existingNetwork";
import { runLateChecks } from "../cluster/lateInputs";
import { cloudBackupReport } from "../cloud/etcdBackup";
import { awsSnapshotUpload } from "./etcdBackup";
import { validateAwsBackup } from "./validateBackup";

/** Type token of {@link HaControlPlane}. */
export const HA_CONTROL_PLANE_TYPE = "pulumi-k8s-ha:aws:HaControlPlane";

/** API server port on the load balancer and the machines. */
const API_PORT = 6443;

/** One machine of the cluster as the outputs show it (zone: the availability zone). */
export type AwsClusterNode = CloudClusterNode;

/** Everything {@link HaControlPlane} builds once the zones are known; undefined when it reported an error instead. */
interface BuiltCluster extends BuiltCloudCluster {
  vpcId: pulumi.Output<string>;
  privateSubnetIds: pulumi.Output<string[]>;
  loadBalancerDnsName: pulumi.Output<string>;
  controlPlaneSecurityGroupId: pulumi.Output<string>;
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
export class HaControlPlane extends CloudHaControlPlane<AwsSettings, BuiltCluster> {
  /** The VPC. */
  readonly vpcId: pulumi.Output<string>;
  /** Private subnets, one per zone. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** DNS name of the API load balancer. */
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** Security group of the control planes: add rules here for your worker nodes. */
  readonly controlPlaneSecurityGroupId: pulumi.Output<string>;

  /**
   * @param name unique name of the component; children are named `${name}-...`
   * @param args see {@link HaControlPlaneArgs}
   * @param opts component options
   * @throws ArgumentError naming the field at fault, before anything (not even the component) is registered
   */
  constructor(name: string, args: HaControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const context = `HaControlPlane ${name}`;
    super(HA_CONTROL_PLANE_TYPE, name, validated(context, () => ({ ...validateAwsArgs(args), etcdBackup: validateAwsBackup(context, args.etcdBackup) })), opts);
    this.vpcId = this.pick((b) => b.vpcId);
    this.privateSubnetIds = this.pick((b) => b.privateSubnetIds);
    this.loadBalancerDnsName = this.pick((b) => b.loadBalancerDnsName);
    this.controlPlaneSecurityGroupId = this.pick((b) => b.controlPlaneSecurityGroupId);
    this.registerOutputs({
      ...this.commonOutputs(),
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      loadBalancerDnsName: this.loadBalancerDnsName,
      controlPlaneSecurityGroupId: this.controlPlaneSecurityGroupId,
    });
  }

  /**
   * Checks the arguments given as outputs once they resolve, looks up the region's zones (unless given) and the
   * given network, and plans; fails naming the field when one is wrong or the region has too few zones.
   */
  protected async planZones(settings: AwsSettings): Promise<TopologyPlan> {
    await runLateChecks(settings.lateChecks);
    const zones = await resolveZones(settings.zones, settings.zoneCount, this);
    if (zones.length < settings.zoneCount) {
      throw new Error(
        `zoneCount: the region has ${zones.length} available zones (${zones.join(", ")}) but ${settings.zoneCount} were asked for. ` +
          "Lower zoneCount, give zones, or pick another region.",
      );
    }
    if (settings.existing) await checkGivenNetwork(settings.existing, zones, settings.cluster, this);
    return planTopology({
      zones,
      controlPlaneCount: settings.controlPlaneCount,
      etcdTopology: settings.etcdTopology,
      etcdMemberCount: settings.etcdMemberCount,
      tolerateZoneFailure: settings.tolerateZoneFailure,
    });
  }

  /** Creates the children for the plan. */
  protected build(name: string, settings: AwsSettings, plan: TopologyPlan): BuiltCluster {
    const zones = plan.zones;
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
    // Snapshots: the bucket and the writer profile, carried by the etcd voters only (never the bastion).
    const upload = settings.etcdBackup ? awsSnapshotUpload(name, settings.etcdBackup, tags, this) : undefined;
    const voterRole = settings.etcdTopology === "stacked" ? "control-plane" : "etcd";
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
        instanceProfile: node.role === voterRole ? upload?.instanceProfile : undefined,
      });
      return { node, address: instance.privateIp, zone: instance.availabilityZone, machine: instance };
    });

    // SSH targets carry the SSH rules as dependencies: no command dials before its path is open.
    const hosts = sshHosts(machines, {
      user: settings.sshUser,
      privateKey: key.privateKey,
      bastionAddress: bastion?.publicIp,
      openedBy: groups.sshRules.map((rule) => rule.urn),
    });

    const internal = settings.apiLoadBalancerScheme === "internal";
    const api = apiLoadBalancer(
      {
        name,
        vpcId: network.vpcId,
        internal,
        subnetIds: internal ? network.privateSubnetIds : network.publicSubnetIds!,
        securityGroupId: groups.loadBalancer.id,
        port: API_PORT,
        tags: tags(`${name}-api`),
        parent: this,
      },
      machines.filter(({ node }) => node.role === "control-plane").map(({ node, address }) => ({ name: node.name, ip: address })),
    );

    const bootstrapped = bootstrapCluster({
      name,
      settings,
      plan,
      hosts,
      endpoint: api.endpoint,
      nodeSubnets: network.vpcCidr ? [network.vpcCidr] : [],
      parent: this,
      etcdBackup: upload?.backup,
    });
    const controlPlane = bootstrapped.controlPlane;
    const actualZones = machineZones(machines, this, `HaControlPlane ${name}`);

    return {
      kubeconfig: controlPlane.kubeconfig,
      apiServerEndpoint: controlPlane.apiServerEndpoint,
      nodes: clusterNodes(machines, actualZones),
      etcdEndpoints: controlPlane.etcdEndpoints,
      quorum: quorumWithZones(controlPlane.quorum, actualZones),
      plan: pulumi.output(plan),
      ...workerJoinOutputsOf(controlPlane),
      certificateExpiry: controlPlane.certificateExpiry,
      vpcId: pulumi.output(network.vpcId),
      privateSubnetIds: pulumi.output(network.privateSubnetIds),
      loadBalancerDnsName: api.loadBalancer.dnsName,
      controlPlaneSecurityGroupId: groups.controlPlane.id,
      bastionPublicIp: bastion ? bastion.publicIp : pulumi.output(undefined),
      sshPrivateKey: key.privateKey,
      etcdBackup: upload && settings.etcdBackup ? cloudBackupReport(bootstrapped.etcdBackup, "s3", upload.bucket.name, settings.etcdBackup) : pulumi.output(undefined),
    };
  }
}
