import * as pulumi from "@pulumi/pulumi";
import type { EtcdBackupArgs } from "../cluster/backupArgs";
import { cloudRcloneConfig, coreBackupArgs } from "../cloud/etcdBackup";
import { snapshotWriterAccount } from "./backupAccess";
import { snapshotBucket } from "./backupBucket";
import { labelsOf } from "./names";
import type { GcpSettings } from "./settings";
import type { ValidatedGcpBackup } from "./validateBackup";

/** What the voters need for snapshots to Cloud Storage. */
export interface GcpSnapshotUpload {
  /** The bucket's name. */
  bucket: pulumi.Output<string>;
  /** Email of the service account every etcd voter runs as. */
  serviceAccountEmail: pulumi.Output<string>;
  /** `etcdBackup` for the cloud-neutral bootstrap. */
  backup: EtcdBackupArgs;
}

/**
 * rclone's Cloud Storage remote: the machine's service account (`env_auth`, the metadata server), bucket-level IAM
 * (`bucket_policy_only`: no object ACLs, which uniform access refuses), and no bucket check (`no_check_bucket`: the
 * object creator role cannot read the bucket).
 */
export const GCS_RCLONE_BACKEND: Readonly<Record<string, string>> = {
  type: "google cloud storage",
  env_auth: "true",
  bucket_policy_only: "true",
  no_check_bucket: "true",
};

/** The bucket (created or given), the voters' service account, and the bootstrap's `etcdBackup` that uploads there. */
export function gcpSnapshotUpload(name: string, settings: GcpSettings, backup: ValidatedGcpBackup, parent: pulumi.Resource): GcpSnapshotUpload {
  const bucket = snapshotBucket(name, backup, labelsOf(settings), parent);
  const serviceAccountEmail = snapshotWriterAccount(name, settings.cluster.clusterName, bucket, backup.prefix, parent);
  const rcloneConfig = bucket.apply((bucketName) => cloudRcloneConfig({ ...GCS_RCLONE_BACKEND }, bucketName));
  return { bucket, serviceAccountEmail, backup: coreBackupArgs(backup, rcloneConfig) };
}
