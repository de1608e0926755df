import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "./backupPolicy";
import type { ValidatedAwsBackup } from "./validateBackup";

/** The bucket the snapshots go to. */
export interface SnapshotBucket {
  /** Its name. */
  name: pulumi.Output<string>;
  /** Its ARN. */
  arn: pulumi.Output<string>;
  /** Its region (rclone's endpoint, and the KMS condition). */
  region: pulumi.Output<string>;
}

/**
 * The snapshot bucket: created as `${name}-etcd-backup` (versioning on; default encryption SSE-S3, or SSE-KMS with
 * an S3 bucket key; the four public access blocks on; ACLs disabled; TLS required; under `<prefix>/` current objects
 * expire after `retentionDays`, noncurrent versions are deleted `retentionDays` later, and unfinished multipart
 * uploads after a day), or the existing one, looked up for its ARN and region.
 */
export function snapshotBucket(name: string, backup: ValidatedAwsBackup, tags: Record<string, string>, parent: pulumi.Resource): SnapshotBucket {
  if (!backup.createBucket) {
    const found = s3.getBucketOutput({ bucket: backup.bucketName! }, { parent });
    return { name: pulumi.output(backup.bucketName!), arn: found.arn, region: found.region };
  }
  const opts = { parent };
  const bucket = new s3.Bucket(`${name}-etcd-backup`, { bucket: backup.bucketName, forceDestroy: false, tags }, opts);
  const versioning = new s3.BucketVersioning(`${name}-etcd-backup-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new s3.BucketServerSideEncryptionConfiguration(
    `${name}-etcd-backup-encryption`,
    {
      bucket: bucket.id,
      rules: [
        backup.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: backup.kmsKeyArn }, bucketKeyEnabled: true },
      ],
    },
    opts,
  );
  const publicAccess = new s3.BucketPublicAccessBlock(
    `${name}-etcd-backup-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  new s3.BucketOwnershipControls(`${name}-etcd-backup-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  new s3.BucketPolicy(
    `${name}-etcd-backup-tls-only`,
    { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
    { parent, dependsOn: [publicAccess] },
  );
  const days = backup.retentionDays!;
  new s3.BucketLifecycleConfiguration(
    `${name}-etcd-backup-retention`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "etcd-snapshot-retention",
          status: "Enabled",
          filter: { prefix: `${backup.prefix}/` },
          expiration: { days },
          noncurrentVersionExpiration: { noncurrentDays: days },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    { parent, dependsOn: [versioning] },
  );
  return { name: bucket.bucket, arn: bucket.arn, region: bucket.region };
}
