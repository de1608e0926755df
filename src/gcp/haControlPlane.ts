import * as pulumi from "@pulumi/pulumi";
import { validated } from "../cluster/argumentError";
import type { QuorumReport } from "../cluster/quorumReport";
import type { ClusterHost } from "../cluster/types";
import type { TopologyPlan } from "../topology/types";
import type { HaControlPlaneArgs } from "./args";
import { createBastion } from "./bastion";
import { bootstrapCluster } from "./bootstrap";
import { createFirewall } from "./firewall";
import { bootImage } from "./image";
import { addJoinedBackends, createApiLoadBalancer } from "./loadBalancer";
import { createMachines } from "./machines";
import { clusterTags } from "./names";
import { createNetwork } from "./network";
import { planOverRegionZones, validateGcpArgs, type GcpSettings } from "./settings";
import { sshKeyPair } from "./sshKey";
import { regionZones } from "./zones";

/** Type token of {@link HaControlPlane}. */
export const HA_CONTROL_PLANE_TYPE = "pulumi-k8s-ha:gcp:HaControlPlane";

/** One machine of the cluster as the outputs show it. */
export interface GcpClusterNode {
  /** Plan node name, e.g. `cp-0`, `etcd-2`. */
  name: string;
  /** `control-plane` or `etcd`. */
  role: string;
  /** Zone. */
  zone: string;
  /** Private IP address (static). */
  address: string;
}

/** Everything {@link HaControlPlane} builds once the zones are known; undefined when it reported an error instead. */
interface BuiltCluster {
  kubeconfig: pulumi.Output<string>;
  apiServerEndpoint: pulumi.Output<string>;
  nodes: pulumi.Output<GcpClusterNode[]>;
  etcdEndpoints: pulumi.Output<string[]>;
  quorum: pulumi.Output<QuorumReport>;
  plan: pulumi.Output<TopologyPlan>;
  network: pulumi.Output<string>;
  subnetwork: pulumi.Output<string>;
  loadBalancerAddress: pulumi.Output<string>;
  bastionPublicIp: pulumi.Output<string | undefined>;
  sshPrivateKey: pulumi.Output<string>;
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
export class HaControlPlane extends pulumi.ComponentResource<BuiltCluster | undefined> {
  /** Admin kubeconfig (secret) for the load-balanced endpoint. */
  readonly kubeconfig: pulumi.Output<string>;
  /** `https://<load balancer address>:6443`. */
  readonly apiServerEndpoint: pulumi.Output<string>;
  /** Every machine (control planes, then etcd members) with its zone and private IP. */
  readonly nodes: pulumi.Output<GcpClusterNode[]>;
  /** Node names per zone. */
  readonly nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** etcd client URLs. */
  readonly etcdEndpoints: pulumi.Output<string[]>;
  /** Planned fault tolerance and what the final quorum gate observed. */
  readonly quorum: pulumi.Output<QuorumReport>;
  /** The topology plan with the real zone names (warnings included). */
  readonly plan: pulumi.Output<TopologyPlan>;
  /** The VPC network (given, or the id of the one created). */
  readonly network: pulumi.Output<string>;
  /** The subnetwork of the machines. */
  readonly subnetwork: pulumi.Output<string>;
  /** The API load balancer's reserved address (internal or external). */
  readonly loadBalancerAddress: pulumi.Output<string>;
  /** Network tag of the control planes: target it in your own firewall rules (e.g. for worker nodes). */
  readonly controlPlaneTag: pulumi.Output<string>;
  /** Public IP of the bastion (undefined without one). */
  readonly bastionPublicIp: pulumi.Output<string | undefined>;
  /** Private SSH key of every machine (secret). */
  readonly sshPrivateKey: pulumi.Output<string>;

  /** Validated settings, read by {@link initialize} once the constructor has finished. */
  private settings?: GcpSettings;

  /**
   * @param name unique name of the component; children are named `${name}-...`
   * @param args see {@link HaControlPlaneArgs}
   * @param opts component options
   * @throws ArgumentError naming the field at fault, before anything (not even the component) is registered
   */
  constructor(name: string, args: HaControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = validated(`HaControlPlane ${name}`, () => validateGcpArgs(args, new pulumi.Config("gcp").get("region")));
    super(HA_CONTROL_PLANE_TYPE, name, {}, opts);
    this.settings = settings;

    const pick = <T>(field: (built: BuiltCluster) => pulumi.Output<T>): pulumi.Output<T> =>
      pulumi.output(this.getData().then((built) => (built ? field(built) : pulumi.output(pulumi.unknown)))) as pulumi.Output<T>;
    this.kubeconfig = pulumi.secret(pick((b) => b.kubeconfig));
    this.apiServerEndpoint = pick((b) => b.apiServerEndpoint);
    this.nodes = pick((b) => b.nodes);
    this.nodesByZone = pick((b) => b.plan).apply(namesByZone);
    this.etcdEndpoints = pick((b) => b.etcdEndpoints);
    this.quorum = pick((b) => b.quorum);
    this.plan = pick((b) => b.plan);
    this.network = pick((b) => b.network);
    this.subnetwork = pick((b) => b.subnetwork);
    this.loadBalancerAddress = pick((b) => b.loadBalancerAddress);
    this.controlPlaneTag = pulumi.output(clusterTags(settings.cluster.clusterName).controlPlane);
    this.bastionPublicIp = pick((b) => b.bastionPublicIp);
    this.sshPrivateKey = pulumi.secret(pick((b) => b.sshPrivateKey));
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      apiServerEndpoint: this.apiServerEndpoint,
      nodes: this.nodes,
      nodesByZone: this.nodesByZone,
      etcdEndpoints: this.etcdEndpoints,
      quorum: this.quorum,
      plan: this.plan,
      network: this.network,
      subnetwork: this.subnetwork,
      loadBalancerAddress: this.loadBalancerAddress,
      controlPlaneTag: this.controlPlaneTag,
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
    await Promise.resolve(); // let the constructor finish validating and set `settings`
    const settings = this.settings;
    if (!settings) return undefined; // the constructor threw: create nothing
    let plan: TopologyPlan;
    try {
      plan = settings.zones ? settings.plan : planOverRegionZones(settings, await regionZones(settings.region, this));
    } catch (error) {
      await pulumi.log.error(error instanceof Error ? error.message : String(error), this);
      return undefined;
    }
    for (const warning of plan.warnings) void pulumi.log.warn(warning, this);
    return this.build(name, settings, plan);
  }

  /** Creates the children for the known plan. */
  private build(name: string, settings: GcpSettings, plan: TopologyPlan): BuiltCluster {
    const tags = clusterTags(settings.cluster.clusterName);
    const net = createNetwork(name, settings, this);
    const key = sshKeyPair(name, settings, this);
    const image = bootImage(settings, this);
    const rules = createFirewall(name, settings, { tags, natAddress: net.natAddress }, net.network, this);
    const machines = createMachines(
      name,
      settings,
      plan.nodes,
      { tags, subnetwork: net.subnetwork, image, publicKey: key.publicKey, dependsOn: net.egress },
      this,
    );
    const bastion = settings.createBastion
      ? createBastion(name, settings, plan.zones[0], { tags, subnetwork: net.subnetwork, image, publicKey: key.publicKey }, this)
      : undefined;

    // SSH targets carry the firewall rules as dependencies: no command dials before its path is open.
    const ruleIds = pulumi.all(rules.map((rule) => rule.id));
    const sshReady = (value: pulumi.Output<string>) => pulumi.all([value, ruleIds]).apply(([v]) => v);
    const proxy = bastion ? { host: sshReady(bastion.publicAddress), user: settings.sshUser, privateKey: key.privateKey } : undefined;
    const hosts: ClusterHost[] = machines.map(({ node, instance, privateAddress }) => ({
      name: node.name,
      zone: node.zone,
      privateAddress,
      connection: { host: sshReady(privateAddress), user: settings.sshUser, privateKey: key.privateKey, proxy },
      machine: instance,
    }));

    const controlPlanes = machines.filter(({ node }) => node.role === "control-plane");
    const lb = createApiLoadBalancer(name, settings, controlPlanes, net, this);
    const controlPlane = bootstrapCluster({
      name,
      settings,
      zones: plan.zones,
      controlPlaneHosts: hosts.filter((_, i) => plan.nodes[i].role === "control-plane"),
      etcdHosts: hosts.filter((_, i) => plan.nodes[i].role === "etcd"),
      endpoint: lb.endpoint,
      parent: this,
    });
    addJoinedBackends(name, controlPlanes, lb, [controlPlane.ready], this);

    return {
      kubeconfig: controlPlane.kubeconfig,
      apiServerEndpoint: controlPlane.apiServerEndpoint,
      nodes: pulumi.all(machines.map(({ privateAddress }) => privateAddress)).apply((ips) =>
        machines.map(({ node }, i) => ({ name: node.name, role: node.role, zone: node.zone, address: ips[i] })),
      ),
      etcdEndpoints: controlPlane.etcdEndpoints,
      quorum: controlPlane.quorum,
      plan: pulumi.output(plan),
      network: net.network,
      subnetwork: net.subnetwork,
      loadBalancerAddress: lb.address,
      bastionPublicIp: bastion ? bastion.publicAddress : pulumi.output(undefined),
      sshPrivateKey: key.privateKey,
    };
  }
}

/** Node names per zone, in zone order (zones without a node are left out). */
function namesByZone(plan: TopologyPlan): Record<string, string[]> {
  const byZone: Record<string, string[]> = {};
  for (const zone of plan.zones) {
    const names = plan.nodes.filter((node) => node.zone === zone).map((node) => node.name);
    if (names.length > 0) byZone[zone] = names;
  }
  return byZone;
}
