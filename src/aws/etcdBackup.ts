import * as pulumi from "@pulumi/pulumi";
import type { EtcdBackupArgs } from "../cluster/backupArgs";
import { cloudRcloneConfig, coreBackupArgs } from "../cloud/etcdBackup";
import { snapshotWriterProfile } from "./backupAccess";
import { snapshotBucket, type SnapshotBucket } from "./backupBucket";
import type { ValidatedAwsBackup } from "./validateBackup";

/** What the voters need for snapshots to S3. */
export interface AwsSnapshotUpload {
  bucket: SnapshotBucket;
  /** Name of the instance profile every etcd voter carries. */
  instanceProfile: pulumi.Output<string>;
  /** `etcdBackup` for the cloud-neutral bootstrap. */
  backup: EtcdBackupArgs;
}

/**
 * rclone's S3 remote: credentials from the instance role (`env_auth`, IMDSv2), the bucket's region, no bucket check
 * or creation (`no_check_bucket`) and no read-back (`no_head`: the policy allows no `s3:GetObject`),
 * `bucket-owner-full-control` (the one ACL a bucket without ACLs accepts; rclone before 1.61 always sends one), and
 * with a KMS key, SSE-KMS with that key (rclone then does not take the ETag for an MD5).
 */
export function s3RcloneBackend(region: string, kmsKeyArn: string | undefined): Record<string, string> {
  return {
    type: "s3",
    provider: "AWS",
    env_auth: "true",
    region,
    acl: "bucket-owner-full-control",
    no_check_bucket: "true",
    no_head: "true",
    ...(kmsKeyArn === undefined ? {} : { server_side_encryption: "aws:kms", sse_kms_key_id: kmsKeyArn }),
  };
}

/** The bucket (created or given), the voters' instance profile, and the bootstrap's `etcdBackup` that uploads there. */
export function awsSnapshotUpload(name: string, backup: ValidatedAwsBackup, tags: (resourceName: string) => Record<string, string>, parent: pulumi.Resource): AwsSnapshotUpload {
  const bucket = snapshotBucket(name, backup, tags(`${name}-etcd-backup`), parent);
  const profile = snapshotWriterProfile(name, { bucket, prefix: backup.prefix, kmsKeyArn: backup.kmsKeyArn }, tags(`${name}-etcd-backup`), parent);
  const rcloneConfig = pulumi.all([bucket.name, bucket.region]).apply(([bucketName, region]) => cloudRcloneConfig(s3RcloneBackend(region, backup.kmsKeyArn), bucketName));
  return { bucket, instanceProfile: profile.name, backup: coreBackupArgs(backup, rcloneConfig) };
}
