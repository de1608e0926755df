/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Record<string, unknown>[];
}

/** Trust policy of the voters' role: EC2 instances (through their instance profile) may assume it, nothing else. */
export const EC2_TRUST_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

/** What {@link snapshotWriterPolicy} grants on. */
export interface SnapshotWriterScope {
  /** The bucket's ARN, `arn:<partition>:s3:::<name>`. */
  bucketArn: string;
  /** Key prefix of the snapshots (no leading or trailing `/`). */
  prefix: string;
  /** The bucket's region (KMS is used only through S3 there). */
  region: string;
  /** KMS key the uploads are encrypted with. @default none (SSE-S3) */
  kmsKeyArn?: string;
}

/**
 * The voters' permissions, least privilege for rclone's upload with `no_check_bucket`, `no_head` and
 * `--no-check-dest`: `s3:PutObject` (single-part uploads and every step of a multipart upload, snapshots over
 * rclone's 200 MiB cutoff) and `s3:AbortMultipartUpload` (rclone cleans up a failed multipart upload) under
 * `<prefix>/` only. No `s3:GetObject` or `s3:ListBucket`: a voter already holds the live data, but old snapshots
 * hold Secrets since deleted, and nothing in the upload needs to read. No `s3:DeleteObject`: a compromised voter can
 * add objects, and an overwrite only adds a version (versioning is on). With a KMS key: `kms:GenerateDataKey` and
 * `kms:Decrypt` (S3 needs both for multipart uploads), only when S3 in the bucket's region asks on the voter's behalf.
 */
export function snapshotWriterPolicy(scope: SnapshotWriterScope): PolicyDocument {
  const statements: Record<string, unknown>[] = [
    { Sid: "WriteEtcdSnapshots", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${scope.bucketArn}/${scope.prefix}/*` },
  ];
  if (scope.kmsKeyArn !== undefined) {
    statements.push({
      Sid: "EncryptEtcdSnapshots",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: scope.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${scope.region}.amazonaws.com` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Bucket policy of a created bucket: every request without TLS is refused. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
