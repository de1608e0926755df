import * as pulumi from "@pulumi/pulumi";
import * as remote from "@pulumi/command/remote";
import { etcdClientUrl, etcdPeerUrl } from "../bootstrap/etcdConfig";
import {
  etcdRestoreDataScript,
  etcdRestoreInboxScript,
  etcdRestoreStartScript,
  etcdRestoreStopScript,
  etcdRestoreVerifyScript,
  restoredClusterToken,
  restoreInboxFile,
} from "../bootstrap/scripts/etcdRestore";
import { quorumGateScript } from "../bootstrap/scripts/quorumGate";
import { defaults } from "./constants";
import type { SnapshotCredentials } from "./etcdBackup";
import { hostCommand } from "./hostCommand";
import { parseGateObservation } from "./observation";
import type { GateObservation } from "./quorumReport";
import type { ClusterHost } from "./types";
import type { ValidatedRestore } from "./validateBackup";

/** What {@link etcdRestoreSteps} needs. */
export interface EtcdRestoreStepsArgs {
  clusterName: string;
  restore: ValidatedRestore;
  /** The control planes (their kube-apiservers stop first and start last). */
  controlPlanes: ClusterHost[];
  /** Credentials of the control-plane gate (etcd client certificate on the control planes). */
  controlPlaneCredentials: SnapshotCredentials;
  /** The etcd members to restore: the control planes themselves with stacked etcd, the etcd tier otherwise. */
  members: ClusterHost[];
  /** How etcd runs on the members: kubeadm's static pod (`stacked-etcd`) or the tier's systemd unit (`etcd-unit`). */
  memberTarget: "stacked-etcd" | "etcd-unit";
  /** Credentials of the etcd gate, on the first member. */
  memberCredentials: SnapshotCredentials;
  /** etcd's data directory on the members. */
  dataDir: string;
  /** `https://<lb>:<port>/readyz` for the final gate. */
  readyzUrl: pulumi.Input<string>;
  /** Node names by machine host name (the gates' Lease report). */
  nodeNamesByHostname: pulumi.Input<Record<string, string>>;
  gateTimeoutSeconds: number;
  /** Restore only after these (a first bring-up's final gate). */
  dependsOn: pulumi.Resource[];
}

/** What a restore leaves: its final gate, and that gate's observation. */
export interface EtcdRestoreSteps {
  ready: remote.Command;
  observed: pulumi.Output<GateObservation | undefined>;
}

/** Bound on stopping a static pod, on the local API server coming back. */
const STOP_SECONDS = 120;
const START_SECONDS = 300;

/**
 * The restore of etcd, as steps in waves, each wave waiting for the whole previous one: inbox + copy + verify on every
 * member (a bad snapshot stops the restore here, with nothing stopped), stop every kube-apiserver, stop every etcd
 * member, restore every member and start it, an etcd quorum gate, API servers back with controller-manager, scheduler
 * and kubelet restarted, then the final gate. With stacked etcd the members are the control planes; with external
 * etcd the tier's machines (systemd unit). A new snapshot (its sha256 is the steps' trigger) replaces the steps and
 * restores again; a step that runs again for the same snapshot (a later change of the program updates it) finds its
 * record on the machine and does nothing. No `ignoreChanges`: a replacement would be created from the old inputs, i.e.
 * the previous snapshot's scripts.
 */
export function etcdRestoreSteps(name: string, args: EtcdRestoreStepsArgs, parent: pulumi.Resource): EtcdRestoreSteps {
  const { restore, controlPlanes, members } = args;
  const sha = restore.sha256;
  const once = { triggers: [sha] };
  const step = (host: ClusterHost, label: string, script: pulumi.Input<string>, after: pulumi.Resource[], minutes: number): remote.Command =>
    hostCommand(`${name}-${host.name}-restore-${label}`, host, { script, dependsOn: after, timeoutMinutes: minutes, ...once }, parent);

  const inbox = members.map((host) => step(host, "inbox", etcdRestoreInboxScript(), args.dependsOn, 5));
  const copies = members.map(
    (host, index) =>
      new remote.CopyToRemote(
        `${name}-${host.name}-restore-copy`,
        {
          connection: pulumi.secret(pulumi.output(host.connection)),
          source: new pulumi.asset.FileAsset(restore.snapshotFile),
          remotePath: restoreInboxFile(sha),
          triggers: [sha],
        },
        { parent, dependsOn: [inbox[index]], deletedWith: host.machine },
      ),
  );
  const unit = args.memberTarget === "etcd-unit";
  const verified = members.map((host, index) => step(host, "verify", etcdRestoreVerifyScript({ sha256: sha, requireEtcdUnit: unit }), [copies[index]], 15));
  const apiStopped = controlPlanes.map((host) => step(host, "stop-apiserver", etcdRestoreStopScript({ sha256: sha, target: "kube-apiserver", timeoutSeconds: STOP_SECONDS }), verified, 5));
  const etcdStopped = members.map((host) => step(host, "stop-etcd", etcdRestoreStopScript({ sha256: sha, target: args.memberTarget, timeoutSeconds: STOP_SECONDS }), apiStopped, 5));
  const addresses = pulumi.all(members.map((host) => pulumi.output(host.privateAddress)));
  const token = restoredClusterToken(args.clusterName, sha);
  const restored = members.map((host, index) =>
    step(
      host,
      "data",
      addresses.apply((list) =>
        etcdRestoreDataScript({
          sha256: sha,
          memberName: host.name,
          peerUrl: etcdPeerUrl(list[index]),
          initialCluster: members.map((h, i) => `${h.name}=${etcdPeerUrl(list[i])}`).join(","),
          clusterToken: token,
          dataDir: args.dataDir,
          bumpRevision: restore.bumpRevision,
          target: args.memberTarget,
        }),
      ),
      etcdStopped,
      15,
    ),
  );
  const gateMembers = addresses.apply((list) => members.map((host, i) => ({ name: host.name, endpoint: etcdClientUrl(list[i]) })));
  const gate = (label: string, on: ClusterHost, credentials: SnapshotCredentials, after: pulumi.Resource[], api: boolean): remote.Command =>
    hostCommand(
      `${name}-restore-${label}`,
      on,
      {
        script: pulumi.all([gateMembers, args.readyzUrl, args.nodeNamesByHostname]).apply(([list, url, names]) =>
          quorumGateScript({
            members: list,
            minHealthy: list.length,
            ...credentials,
            timeoutSeconds: args.gateTimeoutSeconds,
            intervalSeconds: defaults.gateIntervalSeconds,
            readyzUrl: api ? url : "",
            expectedReadyNodes: api ? controlPlanes.length : 0,
            nodeNamesByHostname: names,
            exactMemberCount: true,
          }),
        ),
        dependsOn: after,
        timeoutMinutes: Math.ceil(args.gateTimeoutSeconds / 60) + 5,
        ...once,
      },
      parent,
    );
  const etcdGate = gate("etcd-gate", members[0], args.memberCredentials, restored, false);
  const started = controlPlanes.map((host) => step(host, "start", etcdRestoreStartScript({ sha256: sha, timeoutSeconds: START_SECONDS }), [etcdGate], 10));
  const ready = gate("gate", controlPlanes[0], args.controlPlaneCredentials, started, true);
  return { ready, observed: ready.stdout.apply(parseGateObservation) };
}
