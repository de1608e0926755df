import type { CloudEtcdBackupArgs } from "../cloud/backupArgs";

/**
 * Scheduled etcd snapshots uploaded to S3 (see {@link CloudEtcdBackupArgs}). A created bucket has versioning on,
 * default encryption (SSE-S3, or SSE-KMS with `kmsKeyArn`), every public access block on, ACLs disabled (bucket owner
 * enforced), TLS required, and lifecycle expiry by `retentionDays`. The etcd voters get an instance role whose
 * policy allows only `s3:PutObject` and `s3:AbortMultipartUpload` under `arn:aws:s3:::<bucket>/<prefix>/*` (plus
 * the use of `kmsKeyArn` through S3): they can add snapshots, never read, list, overwrite-then-delete or remove
 * them. rclone on the voters uses that role (`env_auth`), so no access key exists anywhere.
 */
export interface AwsEtcdBackupArgs extends CloudEtcdBackupArgs {
  /**
   * ARN of a KMS key (`arn:aws:kms:<region>:<account>:key/<id>`). With a created bucket it becomes the bucket's
   * default encryption (SSE-KMS with an S3 bucket key); with an existing bucket, give the key the bucket encrypts
   * with. Either way the voters' role may use it (`kms:GenerateDataKey`, and `kms:Decrypt` that multipart uploads
   * need) only through S3 in the bucket's region, and rclone asks for SSE-KMS with it. The key's policy must let
   * the account's IAM policies grant its use (the default key policy does).
   * @default none: SSE-S3 (AES-256 keys managed by S3)
   */
  kmsKeyArn?: string;
}
