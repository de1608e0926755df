import * as pulumi from "@pulumi/pulumi";
import type { EtcdBackupArgs, EtcdBackupReport } from "../cluster/backupArgs";
import type { CloudEtcdBackupReport } from "./backupArgs";
import type { ValidatedCloudBackup } from "./validateBackup";

/** The rclone remote (an `alias` to `<store>:<bucket>`) every cloud component's voters upload through. */
export const CLOUD_RCLONE_REMOTE = "pulumi-k8s-ha-etcd-backup";

/**
 * rclone.conf for a cloud bucket: the storage section `<CLOUD_RCLONE_REMOTE>-store` (`backend`, no secret in it: the
 * machines authenticate with their own identity) and the alias `CLOUD_RCLONE_REMOTE` to the bucket, so that the
 * remote the snapshot program is given (`<alias>:<prefix>`) is known before the bucket's (possibly generated) name.
 */
export function cloudRcloneConfig(backend: Record<string, string>, bucket: string): string {
  const store = `${CLOUD_RCLONE_REMOTE}-store`;
  return [`[${store}]`, ...Object.entries(backend).map(([key, value]) => `${key} = ${value}`), "", `[${CLOUD_RCLONE_REMOTE}]`, "type = alias", `remote = ${store}:${bucket}`, ""].join("\n");
}

/** The cloud-neutral components' `etcdBackup` for a cloud bucket: upload through the alias, rclone installed where missing. */
export function coreBackupArgs(backup: ValidatedCloudBackup, rcloneConfig: pulumi.Input<string>): EtcdBackupArgs {
  return {
    schedule: backup.schedule,
    retainCount: backup.retainCount,
    directory: backup.directory,
    rcloneRemote: `${CLOUD_RCLONE_REMOTE}:${backup.prefix}`,
    rcloneConfig,
    installRclone: true,
  };
}

/** The bootstrap's report with the bucket as destination (`s3://bucket/prefix`, `gs://bucket/prefix`) and the retention. */
export function cloudBackupReport(
  report: pulumi.Output<EtcdBackupReport | undefined>,
  scheme: "s3" | "gs",
  bucket: pulumi.Input<string>,
  backup: ValidatedCloudBackup,
): pulumi.Output<CloudEtcdBackupReport | undefined> {
  return pulumi.all([report, bucket]).apply(([core, name]) =>
    core === undefined
      ? undefined
      : { ...core, destination: `${scheme}://${name}/${backup.prefix}`, bucket: name, prefix: backup.prefix, retentionDays: backup.retentionDays },
  );
}
