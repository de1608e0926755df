import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type * as remote from "@pulumi/command/remote";
import { etcdClientUrl, renderEtcdConfigFile, renderEtcdSystemdUnit } from "../bootstrap/etcdConfig";
import { renderFileBundle } from "../bootstrap/fileBundle";
import { paths } from "../bootstrap/paths";
import {
  etcdMembershipScript,
  etcdStartScript,
  etcdStopScript,
  GateMember,
  placeFilesScript,
  quorumGateScript,
  waitReadyScript,
} from "../bootstrap/scripts";
import { EtcdPki } from "../pki/etcdPki";
import type { QuorumPlan } from "../topology/types";
import type { EtcdClusterArgs, EtcdClusterOutputs } from "./args";
import type { EtcdBackupReport } from "./backupArgs";
import { defaults, gateCredentials } from "./constants";
import { etcdBackupSteps } from "./etcdBackup";
import { hostCommand } from "./hostCommand";
import { parseGateObservation } from "./observation";
import type { QuorumReport } from "./quorumReport";
import type { ClusterHost } from "./types";
import { validateEtcdClusterArgs } from "./validateArgs";

/**
 * An external etcd tier: TLS for clients and peers with client-certificate auth, every member started in one
 * parallel wave from a static `initial-cluster`, then a quorum gate that waits for exactly the planned
 * members, one leader and every member healthy. Its outputs plug into {@link KubeadmControlPlane}.
 */
export class EtcdCluster extends pulumi.ComponentResource implements EtcdClusterOutputs {
  /** Client URLs of every member, `https://<address>:2379`. */
  readonly endpoints: pulumi.Output<string[]>;
  /** PEM of the etcd CA certificate. */
  readonly caCertPem: pulumi.Output<string>;
  /** PEM of kube-apiserver's etcd client certificate. */
  readonly apiServerClientCertPem: pulumi.Output<string>;
  /** PEM of its key (secret). */
  readonly apiServerClientKeyPem: pulumi.Output<string>;
  /** The final quorum gate: wait for it before using etcd. */
  readonly readyResources: pulumi.Resource[];
  /** Quorum arithmetic of the tier. */
  readonly quorumPlan: QuorumPlan;
  /** Members by name and client URL. */
  readonly gateMembers: pulumi.Output<GateMember[]>;
  /** What the plan promised and what the gate observed. */
  readonly quorum: pulumi.Output<QuorumReport>;
  /** The members' machines, in plan order. */
  readonly hosts: ClusterHost[];
  /** Scheduled snapshots (`etcdBackup`): settings and the newest snapshot per member; undefined without them. */
  readonly etcdBackup: pulumi.Output<EtcdBackupReport | undefined>;

  constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const { settings, quorumPlan, backup } = validateEtcdClusterArgs(name, args);
    super("pulumi-k8s-ha:cluster:EtcdCluster", name, {}, opts);
    this.quorumPlan = quorumPlan;
    this.hosts = args.hosts;
    const readyMinutes = args.hostReadyTimeoutMinutes ?? defaults.hostReadyTimeoutMinutes;
    const gateSeconds = args.gateTimeoutSeconds ?? defaults.etcdGateTimeoutSeconds;

    const pki = new EtcdPki(
      `${name}-pki`,
      { members: args.hosts.map((host) => ({ name: host.name, address: host.privateAddress })), extraServerSans: args.extraServerSans },
      { parent: this },
    );
    const members = pulumi.all(args.hosts.map((host) => pulumi.output(host.privateAddress))).apply((addresses) =>
      args.hosts.map((host, index) => ({ name: host.name, address: addresses[index] })),
    );
    this.gateMembers = members.apply((list) => list.map((m) => ({ name: m.name, endpoint: etcdClientUrl(m.address) })));
    this.endpoints = this.gateMembers.apply((list) => list.map((m) => m.endpoint));

    // Which members bootstrapped the cluster: recorded at creation and never updated (its keepers are ignored
    // afterwards), so a member added later knows to join the running cluster instead of bootstrapping one.
    const bootstrapRecord = new random.RandomString(
      `${name}-bootstrap-members`,
      { length: 8, special: false, upper: false, keepers: { members: args.hosts.map((host) => host.name).join(",") } },
      { parent: this, ignoreChanges: ["keepers"] },
    );
    const bootstrapMembers = bootstrapRecord.keepers.apply((keepers) => String(keepers?.members ?? "").split(","));
    const started: remote.Command[] = args.hosts.map((host, index) => {
      const ready = hostCommand(`${name}-${host.name}-ready`, host, { script: waitReadyScript({ timeoutSeconds: readyMinutes * 60 }), waitForSsh: true, timeoutMinutes: readyMinutes + 5 }, this);
      const config = members.apply((list) =>
        renderEtcdConfigFile({ clusterToken: settings.clusterName, memberName: host.name, memberAddress: list[index].address, members: list }),
      );
      const bundle = pulumi.all([pki.memberFiles(index), config]).apply(([certificates, configText]) =>
        renderFileBundle([
          ...certificates,
          { path: paths.etcdConfigFile, mode: "0644", content: configText },
          { path: paths.etcdUnitFile, mode: "0644", content: renderEtcdSystemdUnit({ user: "root", configFile: paths.etcdRunConfigFile }) },
        ]),
      );
      const files = hostCommand(
        `${name}-${host.name}-files`,
        host,
        { script: placeFilesScript({ allowedDirectories: ["/etc/etcd", "/etc/systemd/system"] }), stdin: bundle, dependsOn: [ready], timeoutMinutes: 5 },
        this,
      );
      // The settings' digest is part of the start step's text, so changed settings re-run it. The initial-cluster
      // lines are left out: etcd reads them only on a first start, and adding members must not restart the others.
      const startScript = pulumi
        .all([config, bootstrapMembers])
        .apply(([text, bootstrap]) => `${etcdStartScript({ joinRunningCluster: !bootstrap.includes(host.name) })}# settings ${settingsDigest(text)}\n`);
      return hostCommand(
        `${name}-${host.name}-start`,
        host,
        { script: startScript, dependsOn: [files], timeoutMinutes: 5, deleteScript: etcdStopScript() },
        this,
      );
    });

    // Members no longer planned (scale-down) leave etcd before the gate checks the new count and before Pulumi
    // deletes their machines. A no-op on first bring-up and on scale-up.
    const membership = hostCommand(
      `${name}-membership`,
      args.hosts[0],
      {
        script: this.gateMembers.apply((list) =>
          etcdMembershipScript({
            desiredMembers: list.map((m) => m.name),
            endpoints: list.map((m) => m.endpoint),
            ...gateCredentials.etcdMember,
            timeoutSeconds: gateSeconds,
          }),
        ),
        dependsOn: started,
        timeoutMinutes: Math.ceil(gateSeconds / 60) + 5,
      },
      this,
    );
    const gate = hostCommand(
      `${name}-gate`,
      args.hosts[0],
      {
        script: this.gateMembers.apply((list) =>
          quorumGateScript({
            members: list,
            minHealthy: list.length,
            ...gateCredentials.etcdMember,
            timeoutSeconds: gateSeconds,
            intervalSeconds: defaults.gateIntervalSeconds,
          }),
        ),
        dependsOn: [...started, membership],
        timeoutMinutes: Math.ceil(gateSeconds / 60) + 5,
      },
      this,
    );
    this.readyResources = [gate];
    this.caCertPem = pki.ca.cert.certPem;
    this.apiServerClientCertPem = pki.apiServerClient.cert.certPem;
    this.apiServerClientKeyPem = pulumi.secret(pki.apiServerClient.key.privateKeyPem);
    this.quorum = gate.stdout.apply((stdout) => ({
      etcdTopology: "external",
      plan: quorumPlan,
      observed: parseGateObservation(stdout),
    }));
    this.etcdBackup = backup
      ? etcdBackupSteps(
          name,
          { clusterName: settings.clusterName, voters: args.hosts, credentials: gateCredentials.etcdMember, backup, rcloneConfig: args.etcdBackup?.rcloneConfig, dependsOn: [gate] },
          this,
        ).report
      : pulumi.output(undefined);
    this.registerOutputs({ endpoints: this.endpoints, caCertPem: this.caCertPem, quorum: this.quorum, etcdBackup: this.etcdBackup });
  }
}

/** SHA-256 of an etcd configuration without its `initial-cluster*` lines (what a running member uses). */
function settingsDigest(config: string): string {
  const settings = config.split("\n").filter((line) => !line.startsWith("initial-cluster")).join("\n");
  return createHash("sha256").update(settings).digest("hex");
}
