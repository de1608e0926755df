import * as pulumi from "@pulumi/pulumi";
import type { CertificateExpiryReport } from "../cluster/certificateExpiry";
import type { QuorumReport } from "../cluster/quorumReport";
import type { CloudEtcdBackupReport } from "./backupArgs";
import type { WorkerJoinOutputs } from "../cluster/workerJoin";
import type { TopologyPlan } from "../topology/types";
import { failDeployment } from "../cluster/deploymentFailure";
import { outputOfBuilt } from "../cluster/lateInputs";
import { namesByZone, type CloudClusterNode } from "./machines";

/** The outputs every cloud's `HaControlPlane` has, as built once the zones are known. */
export interface BuiltCloudCluster extends WorkerJoinOutputs {
  /** Admin kubeconfig. */
  kubeconfig: pulumi.Output<string>;
  /** The load-balanced API endpoint. */
  apiServerEndpoint: pulumi.Output<string>;
  /** Every machine with its zone and private IP. */
  nodes: pulumi.Output<CloudClusterNode[]>;
  /** etcd client URLs. */
  etcdEndpoints: pulumi.Output<string[]>;
  /** Planned fault tolerance and what the final quorum gate observed. */
  quorum: pulumi.Output<QuorumReport>;
  /** The plan with the real zone names. */
  plan: pulumi.Output<TopologyPlan>;
  /** Public IP of the bastion (undefined without one). */
  bastionPublicIp: pulumi.Output<string | undefined>;
  /** Private SSH key of every machine. */
  sshPrivateKey: pulumi.Output<string>;
  /** The `etcdBackup` report (undefined without `etcdBackup`). */
  etcdBackup: pulumi.Output<CloudEtcdBackupReport | undefined>;
  /** The certificate expiry report (undefined without `reportCertificateExpiry`). */
  certificateExpiry: pulumi.Output<Record<string, CertificateExpiryReport> | undefined>;
}

/**
 * The flow every cloud's `HaControlPlane` shares. The subclass validates its arguments synchronously and
 * passes the settings to this constructor (so bad input throws before anything is registered); `initialize`
 * then plans over the cloud's zones ({@link planZones}) and creates the children ({@link build}). The common
 * outputs are read from what `build` returned. When planning fails (a value that resolved late, a cloud look-up),
 * nothing is created, the preview or update fails with the error against the component (see {@link failDeployment}),
 * and the outputs stay unknown.
 */
export abstract class CloudHaControlPlane<S, B extends BuiltCloudCluster> extends pulumi.ComponentResource<B | undefined> {
  /** Admin kubeconfig (secret) for the load-balanced endpoint. */
  readonly kubeconfig: pulumi.Output<string>;
  /** `https://<load balancer DNS name or address>:6443`. */
  readonly apiServerEndpoint: pulumi.Output<string>;
  /** Every machine (control planes, then etcd members) with its zone and private IP. */
  readonly nodes: pulumi.Output<CloudClusterNode[]>;
  /** Node names per zone, in zone order; known in preview. */
  readonly nodesByZone: pulumi.Output<Record<string, string[]>>;
  /** etcd client URLs. */
  readonly etcdEndpoints: pulumi.Output<string[]>;
  /** Planned fault tolerance and what the final quorum gate observed. */
  readonly quorum: pulumi.Output<QuorumReport>;
  /** The topology plan with the real zone names (warnings included). */
  readonly plan: pulumi.Output<TopologyPlan>;
  /** Public IP of the bastion (undefined without one). */
  readonly bastionPublicIp: pulumi.Output<string | undefined>;
  /** Private SSH key of every machine (secret). */
  readonly sshPrivateKey: pulumi.Output<string>;
  /**
   * Scheduled snapshots (`etcdBackup`): schedule, local retention, destination (`s3://bucket/prefix` or
   * `gs://bucket/prefix`), bucket, prefix, upstream retention in days, and the newest local snapshot per voter as
   * found by the last `pulumi up`; undefined without `etcdBackup`.
   */
  readonly etcdBackup: pulumi.Output<CloudEtcdBackupReport | undefined>;
  /**
   * With `reportCertificateExpiry`, per control plane: the earliest kubeadm leaf certificate, the earliest CA and
   * admin.conf's client certificate, each `{file, notAfter, daysLeft}` (a warning under 30 days); else undefined.
   */
  readonly certificateExpiry: pulumi.Output<Record<string, CertificateExpiryReport> | undefined>;
  /** PEM of the cluster CA certificate (public), for workers you attach yourself. */
  readonly caCertPem: pulumi.Output<string>;
  /** `sha256:<hex>` of the cluster CA's public key: `kubeadm join --discovery-token-ca-cert-hash`. */
  readonly caCertHash: pulumi.Output<string>;
  /** Workers' bootstrap token (secret), distinct from the control planes' token, valid `workerJoinTokenTtlHours` (24) hours after every update. */
  readonly workerJoinToken: pulumi.Output<string>;
  /** `kubeadm join <endpoint>:6443 --token ... --discovery-token-ca-cert-hash sha256:...` for a worker (secret). */
  readonly workerJoinCommand: pulumi.Output<string>;

  /** Validated settings, read by {@link initialize} once the constructor has finished. */
  private settings?: S;

  /**
   * @param type the cloud's type token
   * @param name unique name of the component; children are named `${name}-...`
   * @param settings the arguments, already validated
   * @param opts component options
   */
  protected constructor(type: string, name: string, settings: S, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.settings = settings;
    this.kubeconfig = pulumi.secret(this.pick((b) => b.kubeconfig));
    this.apiServerEndpoint = this.pick((b) => b.apiServerEndpoint);
    this.nodes = this.pick((b) => b.nodes);
    this.plan = this.pick((b) => b.plan);
    this.nodesByZone = this.plan.apply(namesByZone);
    this.etcdEndpoints = this.pick((b) => b.etcdEndpoints);
    this.quorum = this.pick((b) => b.quorum);
    this.bastionPublicIp = this.pick((b) => b.bastionPublicIp);
    this.sshPrivateKey = pulumi.secret(this.pick((b) => b.sshPrivateKey));
    this.etcdBackup = this.pick((b) => b.etcdBackup);
    this.certificateExpiry = this.pick((b) => b.certificateExpiry);
    this.caCertPem = this.pick((b) => b.caCertPem);
    this.caCertHash = this.pick((b) => b.caCertHash);
    this.workerJoinToken = pulumi.secret(this.pick((b) => b.workerJoinToken));
    this.workerJoinCommand = pulumi.secret(this.pick((b) => b.workerJoinCommand));
  }

  /** One output of what {@link build} returned; unknown when it reported an error instead. */
  protected pick<T>(field: (built: B) => pulumi.Output<T>): pulumi.Output<T> {
    return outputOfBuilt(this.getData(), field);
  }

  /** The common outputs, for the subclass's `registerOutputs` (with its own added). */
  protected commonOutputs(): pulumi.Inputs {
    return {
      kubeconfig: this.kubeconfig,
      apiServerEndpoint: this.apiServerEndpoint,
      nodes: this.nodes,
      nodesByZone: this.nodesByZone,
      etcdEndpoints: this.etcdEndpoints,
      quorum: this.quorum,
      plan: this.plan,
      bastionPublicIp: this.bastionPublicIp,
      sshPrivateKey: this.sshPrivateKey,
      etcdBackup: this.etcdBackup,
      certificateExpiry: this.certificateExpiry,
      caCertPem: this.caCertPem,
      caCertHash: this.caCertHash,
      workerJoinToken: this.workerJoinToken,
      workerJoinCommand: this.workerJoinCommand,
    };
  }

  /** Plans with the cloud's real zones; throws an `Error` whose message is reported against the component. */
  protected abstract planZones(settings: S): Promise<TopologyPlan>;

  /** Creates the children for the plan. */
  protected abstract build(name: string, settings: S, plan: TopologyPlan): B;

  /** Plans over the cloud's zones and creates every child; a refused plan fails the deployment ({@link failDeployment}), creating nothing. */
  protected async initialize(_args: pulumi.Inputs, _opts: unknown, name: string): Promise<B | undefined> {
    await Promise.resolve(); // let the constructor finish and set `settings`
    const settings = this.settings;
    if (settings === undefined) return undefined; // the constructor threw: create nothing
    let plan: TopologyPlan;
    try {
      plan = await this.planZones(settings);
    } catch (error) {
      failDeployment(error, this, `HaControlPlane ${name}`);
      return undefined;
    }
    return this.build(name, settings, plan);
  }
}
