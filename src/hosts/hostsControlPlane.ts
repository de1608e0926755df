import * as pulumi from "@pulumi/pulumi";
import { PREPARE_NODE_SCRIPT, renderNodePreparation } from "../bootstrap/cloudInit";
import { prepareHostScript } from "../bootstrap/scripts";
import { defaults } from "../cluster/constants";
import { EtcdCluster } from "../cluster/etcdCluster";
import { hostCommand } from "../cluster/hostCommand";
import { ClusterNode, KubeadmControlPlane } from "../cluster/kubeadmControlPlane";
import type { EtcdBackupReport } from "../cluster/backupArgs";
import type { CertificateExpiryReport } from "../cluster/certificateExpiry";
import type { GateObservation, QuorumReport } from "../cluster/quorumReport";
import type { ClusterHost } from "../cluster/types";
import { buildAfterChecks, outputOfBuilt } from "../cluster/lateInputs";
import { workerJoinOutputsOf, type WorkerJoinOutputs } from "../cluster/workerJoin";
import type { NodeRole, TopologyPlan } from "../topology/types";
import { ApiLoadBalancer } from "./apiLoadBalancer";
import type { HostSpec, HostsControlPlaneArgs } from "./args";
import { clusterAddressOf, clusterHostOf, hostAfter } from "./connection";
import { validateHostsControlPlaneArgs, type ValidatedHostsControlPlane } from "./validate";

/** Type token of {@link HostsControlPlane}. */
export const HOSTS_CONTROL_PLANE_TYPE = "pulumi-k8s-ha:hosts:HostsControlPlane";

/**
 * A highly available kubeadm control plane on machines you already have: optional preparation over SSH (the
 * same packages and script the cloud components' cloud-init runs), an optional HAProxy (+ keepalived virtual
 * IP) load balancer on machines of its own, an external etcd tier when asked, then the cloud-neutral bootstrap.
 * Failure domains (racks, rooms, sites) play the cloud zones: the topology is checked against them before
 * anything is created, and every plain argument is validated synchronously (`ArgumentError` naming the field);
 * addresses given as outputs are checked once known, before any child is created.
 */
export class HostsControlPlane extends pulumi.ComponentResource {
  /** Admin kubeconfig (secret) for the API endpoint. */
  readonly kubeconfig: pulumi.Output<string>;
  /** `https://<endpoint>:<port>`. */
  readonly apiServerEndpoint: pulumi.Output<string>;
  /** Every cluster machine (control planes, then etcd members) with its failure domain and private address. */
  readonly nodes: pulumi.Output<ClusterNode[]>;
  /** Node names per failure domain. */
  readonly nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** etcd client URLs. */
  readonly etcdEndpoints: pulumi.Output<string[]>;
  /** Planned fault tolerance and what the final quorum gate observed. */
  readonly quorum: pulumi.Output<QuorumReport>;
  /** The topology as planned from the hosts' failure domains (warnings included). */
  readonly plan: pulumi.Output<TopologyPlan>;
  /** Scheduled snapshots (`etcdBackup`): schedule, retention, destination and the newest snapshot per voter; undefined without them. */
  readonly etcdBackup: pulumi.Output<EtcdBackupReport | undefined>;
  /** The restore's final gate observation while `etcdRestore` is set; undefined otherwise. */
  readonly etcdRestore: pulumi.Output<GateObservation | undefined>;
  /** With `reportCertificateExpiry`, per control plane: earliest leaf certificate, earliest CA and admin.conf expiry (warning under 30 days). */
  readonly certificateExpiry: pulumi.Output<Record<string, CertificateExpiryReport> | undefined>;
  /** PEM of the cluster CA certificate (public), for workers you attach yourself. */
  readonly caCertPem: pulumi.Output<string>;
  /** `sha256:<hex>` of the cluster CA's public key: `kubeadm join --discovery-token-ca-cert-hash`. */
  readonly caCertHash: pulumi.Output<string>;
  /** Workers' bootstrap token (secret), distinct from the control planes' token, valid `workerJoinTokenTtlHours` (24) hours after every update. */
  readonly workerJoinToken: pulumi.Output<string>;
  /** `kubeadm join <endpoint>:<port> --token ... --discovery-token-ca-cert-hash sha256:...` for a worker (secret). */
  readonly workerJoinCommand: pulumi.Output<string>;

  /**
   * @param name unique name of the component; children are named `${name}-...`
   * @param args see {@link HostsControlPlaneArgs}
   * @param opts component options
   * @throws ArgumentError naming the field at fault, before anything is registered
   */
  constructor(name: string, args: HostsControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const valid = validateHostsControlPlaneArgs(name, args);
    super(HOSTS_CONTROL_PLANE_TYPE, name, {}, opts);
    // Addresses given as outputs are checked once known, before any child: then the children register after that.
    const built = buildAfterChecks(valid.lateChecks, this, `HostsControlPlane ${name}`, () => this.build(name, args, valid));
    const pick = <T>(field: (cluster: BuiltHostsCluster) => pulumi.Output<T>) => outputOfBuilt(built, field);
    this.kubeconfig = pulumi.secret(pick((b) => b.controlPlane.kubeconfig));
    this.apiServerEndpoint = pick((b) => b.controlPlane.apiServerEndpoint);
    this.nodes = pick((b) => b.nodes);
    this.nodesByZone = pulumi.output(groupByZone(valid.plan.nodes));
    this.etcdEndpoints = pick((b) => b.controlPlane.etcdEndpoints);
    this.quorum = pick((b) => b.controlPlane.quorum);
    this.plan = pulumi.output(valid.plan);
    this.etcdBackup = pick((b) => (b.externalEtcd ? b.externalEtcd.etcdBackup : b.controlPlane.etcdBackup));
    this.etcdRestore = pick((b) => b.controlPlane.etcdRestore);
    this.certificateExpiry = pick((b) => b.controlPlane.certificateExpiry);
    this.caCertPem = pick((b) => b.workerJoin.caCertPem);
    this.caCertHash = pick((b) => b.workerJoin.caCertHash);
    this.workerJoinToken = pulumi.secret(pick((b) => b.workerJoin.workerJoinToken));
    this.workerJoinCommand = pulumi.secret(pick((b) => b.workerJoin.workerJoinCommand));
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      apiServerEndpoint: this.apiServerEndpoint,
      nodes: this.nodes,
      nodesByZone: this.nodesByZone,
      etcdEndpoints: this.etcdEndpoints,
      quorum: this.quorum,
      plan: this.plan,
      etcdBackup: this.etcdBackup,
      etcdRestore: this.etcdRestore,
      certificateExpiry: this.certificateExpiry,
      caCertPem: this.caCertPem,
      caCertHash: this.caCertHash,
      workerJoinToken: this.workerJoinToken,
      workerJoinCommand: this.workerJoinCommand,
    });
  }

  /** Creates every child: preparation, the load balancer, external etcd, then the cloud-neutral bootstrap. */
  private build(name: string, args: HostsControlPlaneArgs, valid: ValidatedHostsControlPlane): BuiltHostsCluster {
    const { settings, plan } = valid;
    const readyMinutes = args.hostReadyTimeoutMinutes ?? defaults.hostReadyTimeoutMinutes;

    const prepared = (spec: HostSpec, role: NodeRole): ClusterHost => {
      const host = clusterHostOf(spec, args.bastion);
      if (!valid.prepareHosts) return host;
      const preparation = renderNodePreparation({ role, kubernetesVersion: settings.kubernetesVersion, restrictOomScoreAdj: args.containerdRestrictOomScoreAdj, kubernetesAptRepository: args.kubernetesAptRepository });
      const step = hostCommand(
        `${name}-${spec.name}-prepare`,
        host,
        // The preparation script installs its packages itself (waiting for the apt lock), as on a cloud machine.
        { script: prepareHostScript({ packages: [], files: preparation.files, run: PREPARE_NODE_SCRIPT, requireSystemd: true }), waitForSsh: true, timeoutMinutes: readyMinutes + 5 },
        this,
      );
      return hostAfter(host, spec.address, step.stdout);
    };
    const controlPlaneHosts = args.controlPlaneHosts.map((spec) => prepared(spec, "control-plane"));
    const etcdHosts = (args.etcdHosts ?? []).map((spec) => prepared(spec, "etcd"));

    const loadBalancerHosts = args.loadBalancerHosts ?? [];
    const endpoint =
      loadBalancerHosts.length > 0
        ? new ApiLoadBalancer(
            `${name}-lb`,
            {
              hosts: loadBalancerHosts.map((spec) => clusterHostOf(spec, args.bastion)),
              backends: args.controlPlaneHosts.map((spec) => ({ name: spec.name, address: clusterAddressOf(spec) })),
              frontendPort: settings.apiServerPort,
              backendPort: settings.apiServerPort,
              virtualIp: args.virtualIp,
              virtualIpInterface: args.virtualIpInterface,
              virtualRouterId: args.virtualRouterId,
              maxConnections: args.loadBalancerMaxConnections,
              installPackages: valid.prepareHosts,
              hostReadyTimeoutMinutes: args.hostReadyTimeoutMinutes,
            },
            { parent: this },
          ).endpoint
        : pulumi.output(args.apiServerEndpoint as pulumi.Input<string>);

    const common = {
      clusterName: settings.clusterName,
      zones: valid.failureDomains,
      tolerateZoneFailure: args.tolerateZoneFailure,
      gateTimeoutSeconds: args.gateTimeoutSeconds,
      hostReadyTimeoutMinutes: args.hostReadyTimeoutMinutes,
    };
    const externalEtcd =
      valid.etcdTopology === "external" ? new EtcdCluster(`${name}-etcd-cluster`, { ...common, hosts: etcdHosts, etcdBackup: args.etcdBackup }, { parent: this }) : undefined;
    const controlPlane = new KubeadmControlPlane(
      `${name}-control-plane`,
      {
        ...common,
        controlPlaneHosts,
        etcdTopology: valid.etcdTopology,
        externalEtcd,
        apiServerEndpoint: endpoint,
        apiServerPort: settings.apiServerPort,
        kubernetesVersion: settings.kubernetesVersion,
        podSubnet: settings.podSubnet,
        serviceSubnet: settings.serviceSubnet,
        nodeSubnets: settings.nodeSubnets,
        cniManifestUrl: args.cniManifestUrl,
        extraCertSans: args.extraCertSans,
        resetOnDelete: args.resetOnDelete,
        ignorePreflightErrors: args.ignorePreflightErrors,
        kubeletFailCgroupV1: args.kubeletFailCgroupV1,
        kubeProxyConntrackMaxPerCore: args.kubeProxyConntrackMaxPerCore,
        kubernetesAptRepository: args.kubernetesAptRepository,
        installKubernetesPackages: args.installKubernetesPackages,
        etcdBackup: externalEtcd ? undefined : args.etcdBackup,
        etcdRestore: args.etcdRestore,
        reportCertificateExpiry: args.reportCertificateExpiry,
        certificateValidityPeriod: args.certificateValidityPeriod,
        certificateRenewal: args.certificateRenewal,
        workerJoinTokenTtlHours: args.workerJoinTokenTtlHours,
      },
      { parent: this },
    );

    const machines = [...args.controlPlaneHosts, ...(args.etcdHosts ?? [])];
    const nodes = pulumi
      .all(machines.map(clusterAddressOf))
      .apply((addresses) => plan.nodes.map((node, index) => ({ name: node.name, role: node.role, zone: node.zone, address: addresses[index] })));
    return { controlPlane, externalEtcd, nodes, workerJoin: workerJoinOutputsOf(controlPlane) };
  }
}

/** What {@link HostsControlPlane} built, read by its outputs. */
interface BuiltHostsCluster {
  controlPlane: KubeadmControlPlane;
  externalEtcd?: EtcdCluster;
  nodes: pulumi.Output<ClusterNode[]>;
  workerJoin: WorkerJoinOutputs;
}


/** Node names per failure domain, domains in first-seen order. */
function groupByZone(nodes: { name: string; zone: string }[]): Record<string, string[]> {
  const byZone: Record<string, string[]> = {};
  for (const node of nodes) (byZone[node.zone] ??= []).push(node.name);
  return byZone;
}
