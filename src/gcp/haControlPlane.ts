import * as pulumi from "@pulumi/pulumi";
import { validated } from "../cluster/argumentError";
import { bootstrapCluster } from "../cloud/bootstrap";
import { workerJoinOutputsOf } from "../cluster/workerJoin";
import { CloudHaControlPlane, type BuiltCloudCluster } from "../cloud/haControlPlane";
import { clusterNodes, machineZones, quorumWithZones, sshHosts, type CloudClusterNode } from "../cloud/machines";
import type { TopologyPlan } from "../topology/types";
import type { HaControlPlaneArgs } from "./args";
import { createBastion } from "./bastion";
import { createFirewall } from "./firewall";
import { bootImage } from "./image";
import { addJoinedBackends, createApiLoadBalancer } from "./loadBalancer";
import { createMachines } from "./machines";
import { clusterTags } from "./names";
import { createNetwork } from "./network";
import { planOverRegionZones, validateGcpArgs, type GcpSettings } from "./settings";
import { sshKeyPair } from "./sshKey";
import { regionZones } from "./zones";
import { checkGivenSubnetwork } from "./existingNetwork";
import { runLateChecks } from "../cluster/lateInputs";
import { cloudBackupReport } from "../cloud/etcdBackup";
import { STORAGE_SCOPE } from "./backupAccess";
import { gcpSnapshotUpload } from "./etcdBackup";
import { validateGcpBackup } from "./validateBackup";

/** Type token of {@link HaControlPlane}. */
export const HA_CONTROL_PLANE_TYPE = "pulumi-k8s-ha:gcp:HaControlPlane";

/** One machine of the cluster as the outputs show it (address: its static private IP). */
export type GcpClusterNode = CloudClusterNode;

/** Everything {@link HaControlPlane} builds once the zones are known; undefined when it reported an error instead. */
interface BuiltCluster extends BuiltCloudCluster {
  network: pulumi.Output<string>;
  subnetwork: pulumi.Output<string>;
  loadBalancerAddress: pulumi.Output<string>;
}

/**
 * A highly available kubeadm control plane on Compute Engine: network (given or created, with Cloud Router
 * and Cloud NAT), least-privilege firewall rules by network tag, shielded VMs without external addresses
 * spread over zones by the planner, a regional passthrough load balancer on 6443 (HTTPS `/readyz` health
 * check), an optional bastion, then the cloud-neutral bootstrap (`EtcdCluster`, `KubeadmControlPlane`) over SSH.
 *
 * Every argument is validated, and the topology planned, synchronously in the constructor: bad input throws
 * an `ArgumentError` naming the field before anything (not even the component) is registered. Zones read
 * from the region arrive later; the children are created in `initialize` once they are known. Machines hold image, user-data and machine type
 * changes by default; roll them one per update with `rollNodes`.
 */
export class HaControlPlane extends CloudHaControlPlane<GcpSettings, BuiltCluster> {
  /** The VPC network (given, or the id of the one created). */
  readonly network: pulumi.Output<string>;
  /** The subnetwork of the machines. */
  readonly subnetwork: pulumi.Output<string>;
  /** The API load balancer's reserved address (internal or external). */
  readonly loadBalancerAddress: pulumi.Output<string>;
  /** Network tag of the control planes: target it in your own firewall rules (e.g. for worker nodes). */
  readonly controlPlaneTag: pulumi.Output<string>;

  /**
   * @param name unique name of the component; children are named `${name}-...`
   * @param args see {@link HaControlPlaneArgs}
   * @param opts component options
   * @throws ArgumentError naming the field at fault, before anything (not even the component) is registered
   */
  constructor(name: string, args: HaControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const context = `HaControlPlane ${name}`;
    const settings = validated(context, () => {
      const valid = validateGcpArgs(args, new pulumi.Config("gcp").get("region"));
      return { ...valid, etcdBackup: validateGcpBackup(context, args.etcdBackup, valid.region) };
    });
    super(HA_CONTROL_PLANE_TYPE, name, settings, opts);
    this.network = this.pick((b) => b.network);
    this.subnetwork = this.pick((b) => b.subnetwork);
    this.loadBalancerAddress = this.pick((b) => b.loadBalancerAddress);
    this.controlPlaneTag = pulumi.output(clusterTags(settings.cluster.clusterName).controlPlane);
    this.registerOutputs({
      ...this.commonOutputs(),
      network: this.network,
      subnetwork: this.subnetwork,
      loadBalancerAddress: this.loadBalancerAddress,
      controlPlaneTag: this.controlPlaneTag,
    });
  }

  /**
   * Checks the arguments given as outputs once they resolve and the given subnetwork, then plans over the given
   * zones or the region's zones read now; logs the plan's warnings.
   */
  protected async planZones(settings: GcpSettings): Promise<TopologyPlan> {
    await runLateChecks(settings.lateChecks);
    await checkGivenSubnetwork(settings, settings.cluster, this);
    const plan = settings.zones ? settings.plan : planOverRegionZones(settings, await regionZones(settings.region, this));
    for (const warning of plan.warnings) void pulumi.log.warn(warning, this);
    return plan;
  }

  /** Creates the children for the known plan. */
  protected build(name: string, settings: GcpSettings, plan: TopologyPlan): BuiltCluster {
    const tags = clusterTags(settings.cluster.clusterName);
    const net = createNetwork(name, settings, this);
    const key = sshKeyPair(name, settings, this);
    const image = bootImage(settings, this);
    const rules = createFirewall(name, settings, { tags, natAddress: net.natAddress }, net.network, this);
    // Snapshots: the bucket and the writer service account, run by the etcd voters only (never the bastion).
    const upload = settings.etcdBackup ? gcpSnapshotUpload(name, settings, settings.etcdBackup, this) : undefined;
    const machines = createMachines(
      name,
      settings,
      plan.nodes,
      {
        tags,
        subnetwork: net.subnetwork,
        image,
        publicKey: key.publicKey,
        dependsOn: net.egress,
        voterServiceAccount: upload ? { email: upload.serviceAccountEmail, scopes: [STORAGE_SCOPE] } : undefined,
      },
      this,
    );
    const bastion = settings.createBastion
      ? createBastion(name, settings, plan.zones[0], { tags, subnetwork: net.subnetwork, image, publicKey: key.publicKey }, this)
      : undefined;

    // SSH targets carry the firewall rules as dependencies: no command dials before its path is open.
    const hosts = sshHosts(machines, {
      user: settings.sshUser,
      privateKey: key.privateKey,
      bastionAddress: bastion?.publicAddress,
      openedBy: rules.map((rule) => rule.id),
    });

    const controlPlanes = machines.filter(({ node }) => node.role === "control-plane");
    const lb = createApiLoadBalancer(name, settings, controlPlanes, net, this);
    const bootstrapped = bootstrapCluster({
      name,
      settings,
      plan,
      hosts,
      endpoint: lb.endpoint,
      nodeSubnets: settings.subnetCidr ? [settings.subnetCidr] : [],
      parent: this,
      etcdBackup: upload?.backup,
    });
    const controlPlane = bootstrapped.controlPlane;
    const actualZones = machineZones(machines, this, `HaControlPlane ${name}`);
    addJoinedBackends(name, controlPlanes, lb, [controlPlane.ready], this);

    return {
      kubeconfig: controlPlane.kubeconfig,
      apiServerEndpoint: controlPlane.apiServerEndpoint,
      nodes: clusterNodes(machines, actualZones),
      etcdEndpoints: controlPlane.etcdEndpoints,
      quorum: quorumWithZones(controlPlane.quorum, actualZones),
      plan: pulumi.output(plan),
      ...workerJoinOutputsOf(controlPlane),
      certificateExpiry: controlPlane.certificateExpiry,
      network: net.network,
      subnetwork: net.subnetwork,
      loadBalancerAddress: lb.address,
      bastionPublicIp: bastion ? bastion.publicAddress : pulumi.output(undefined),
      sshPrivateKey: key.privateKey,
      etcdBackup: upload && settings.etcdBackup ? cloudBackupReport(bootstrapped.etcdBackup, "gs", upload.bucket, settings.etcdBackup) : pulumi.output(undefined),
    };
  }
}
