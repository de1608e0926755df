import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { etcdClientUrl } from "../bootstrap/etcdConfig";
import { etcdBackupInstallScript, etcdBackupUnits, etcdSnapshotProgram } from "../bootstrap/scripts/etcdSnapshot";
import { backupDefaults, EtcdBackupReport } from "./backupArgs";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";
import type { ValidatedBackup } from "./validateBackup";

/** Client certificate files on a voter that may take snapshots of its member. */
export interface SnapshotCredentials {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** What {@link etcdBackupSteps} needs. */
export interface EtcdBackupStepsArgs {
  clusterName: string;
  /** Every etcd voter. */
  voters: ClusterHost[];
  credentials: SnapshotCredentials;
  backup: ValidatedBackup;
  /** rclone.conf text (secret), with `backup.rcloneRemote`. */
  rcloneConfig?: pulumi.Input<string>;
  /** Steps that must be done first (the tier's or the control plane's final gate). */
  dependsOn: pulumi.Resource[];
  /**
   * The update's time, the steps' trigger: every update runs them again (they change nothing that is in place), so
   * the report's newest snapshot is the one on the machines at each `pulumi up`. @default the current time (ISO 8601)
   */
  readAt?: string;
}

/**
 * One `${name}-<voter>-etcd-backup` step per voter: installs the snapshot program, its service and timer (and the
 * rclone configuration, on standard input), and reads back the newest local snapshot; run again by every update.
 * The report is the settings plus that newest snapshot per member.
 */
export function etcdBackupSteps(name: string, args: EtcdBackupStepsArgs, parent: pulumi.Resource): { steps: remote.Command[]; report: pulumi.Output<EtcdBackupReport> } {
  const { backup } = args;
  const units = etcdBackupUnits({ schedule: backup.schedule });
  const upload = backup.rcloneRemote !== "";
  const readAt = args.readAt ?? new Date().toISOString();
  const steps = args.voters.map((host) =>
    hostCommand(
      `${name}-${host.name}-etcd-backup`,
      host,
      {
        script: pulumi.output(host.privateAddress).apply((address) =>
          etcdBackupInstallScript({
            program: etcdSnapshotProgram({
              clusterName: args.clusterName,
              memberName: host.name,
              endpoint: etcdClientUrl(address),
              ...args.credentials,
              directory: backup.directory,
              retainCount: backup.retainCount,
              rcloneRemote: backup.rcloneRemote,
              saveTimeoutSeconds: backupDefaults.saveTimeoutSeconds,
            }),
            units,
            schedule: backup.schedule,
            upload,
            installRclone: backup.installRclone,
            directory: backup.directory,
          }),
        ),
        stdin: upload ? pulumi.secret(pulumi.output(args.rcloneConfig as pulumi.Input<string>)).apply((text) => (text.endsWith("\n") ? text : `${text}\n`)) : undefined,
        dependsOn: args.dependsOn,
        timeoutMinutes: 5,
        triggers: [readAt],
      },
      parent,
    ),
  );
  const report = pulumi.all(steps.map((step) => step.stdout)).apply((outputs) => ({
    schedule: backup.schedule,
    retainCount: backup.retainCount,
    directory: backup.directory,
    destination: backup.rcloneRemote,
    newest: Object.fromEntries(outputs.map((stdout, i) => [args.voters[i].name, lastJsonObject(stdout)])),
  }));
  return { steps, report };
}

/** The last line of `stdout` that is a JSON object; `{}` when there is none (never throws: it runs in `apply`). */
export function lastJsonObject(stdout: string | undefined): Record<string, unknown> {
  for (const line of (stdout ?? "").split("\n").reverse()) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) continue;
    try {
      const value = JSON.parse(trimmed) as unknown;
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return {};
}
