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
 * The restore of stacked etcd (members on the control planes), as steps in waves, each wave waiting for the whole
 * previous one: inbox + copy + verify on every member (a bad snapshot stops the restore here, with nothing stopped),
 * stop every kube-apiserver, stop every etcd, restore every member and start it, an etcd quorum gate, API servers
 * back with controller-manager, scheduler and kubelet restarted, then the final gate. The steps ignore later changes
 * of their inputs (`ignoreChanges`): only a new snapshot (its sha256 is the trigger) runs them again.
 */
export function stackedEtcdRestoreSteps(name: string, args: EtcdRestoreStepsArgs, parent: pulumi.Resource): EtcdRestoreSteps {
  const { restore, controlPlanes: hosts } = args;
  const sha = restore.sha256;
  const once = { triggers: [sha], ignoreChanges: ["create", "stdin", "connection"] };
  const wave = (label: string, after: pulumi.Resource[], script: (host: ClusterHost, index: number) => pulumi.Input<string>, minutes: number): remote.Command[] =>
    hosts.map((host, index) => hostCommand(`${name}-${host.name}-restore-${label}`, host, { script: script(host, index), dependsOn: after, timeoutMinutes: minutes, ...once }, parent));

  const inbox = wave("inbox", args.dependsOn, () => etcdRestoreInboxScript(), 5);
  const copies = hosts.map(
    (host, index) =>
      new remote.CopyToRemote(
        `${name}-${host.name}-restore-copy`,
        {
          connection: pulumi.secret(pulumi.output(host.connection)),
          source: new pulumi.asset.FileAsset(restore.snapshotFile),
          remotePath: restoreInboxFile(sha),
          triggers: [sha],
        },
        { parent, dependsOn: [inbox[index]], deletedWith: host.machine, ignoreChanges: ["source", "connection"] },
      ),
  );
  const verified = hosts.map((host, index) =>
    hostCommand(`${name}-${host.name}-restore-verify`, host, { script: etcdRestoreVerifyScript({ sha256: sha }), dependsOn: [copies[index]], timeoutMinutes: 15, ...once }, parent),
  );
  const apiStopped = wave("stop-apiserver", verified, () => etcdRestoreStopScript({ sha256: sha, target: "kube-apiserver", timeoutSeconds: STOP_SECONDS }), 5);
  const etcdStopped = wave("stop-etcd", apiStopped, () => etcdRestoreStopScript({ sha256: sha, target: "stacked-etcd", timeoutSeconds: STOP_SECONDS }), 5);
  const addresses = pulumi.all(hosts.map((host) => pulumi.output(host.privateAddress)));
  const token = restoredClusterToken(args.clusterName, sha);
  const restored = wave(
    "data",
    etcdStopped,
    (host, index) =>
      addresses.apply((list) =>
        etcdRestoreDataScript({
          sha256: sha,
          memberName: host.name,
          peerUrl: etcdPeerUrl(list[index]),
          initialCluster: hosts.map((h, i) => `${h.name}=${etcdPeerUrl(list[i])}`).join(","),
          clusterToken: token,
          bumpRevision: restore.bumpRevision,
          target: "stacked-etcd",
        }),
      ),
    15,
  );
  const members = addresses.apply((list) => hosts.map((host, i) => ({ name: host.name, endpoint: etcdClientUrl(list[i]) })));
  const gate = (label: string, after: pulumi.Resource[], api: boolean): remote.Command =>
    hostCommand(
      `${name}-restore-${label}`,
      hosts[0],
      {
        script: pulumi.all([members, args.readyzUrl, args.nodeNamesByHostname]).apply(([list, url, names]) =>
          quorumGateScript({
            members: list,
            minHealthy: list.length,
            ...args.controlPlaneCredentials,
            timeoutSeconds: args.gateTimeoutSeconds,
            intervalSeconds: defaults.gateIntervalSeconds,
            readyzUrl: api ? url : "",
            expectedReadyNodes: api ? hosts.length : 0,
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
  const etcdGate = gate("etcd-gate", restored, false);
  const started = wave("start", [etcdGate], () => etcdRestoreStartScript({ sha256: sha, timeoutSeconds: START_SECONDS }), 10);
  const ready = gate("gate", started, true);
  return { ready, observed: ready.stdout.apply(parseGateObservation) };
}
