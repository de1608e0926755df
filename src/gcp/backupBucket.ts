import * as kms from "@pulumi/gcp/kms";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import type { ValidatedGcpBackup } from "./validateBackup";

/** The role Cloud Storage's service agent needs on a customer-managed key to encrypt and decrypt a bucket's objects. */
export const STORAGE_KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/**
 * The snapshot bucket's name: a bucket created as `${name}-etcd-backup` (versioning on, uniform bucket-level access,
 * public access prevention enforced, under `<prefix>/` live objects deleted after `retentionDays` and noncurrent
 * versions `retentionDays` after they became noncurrent, the optional customer-managed key), or the given one. With a
 * customer-managed key, the project's Cloud Storage service agent is granted `roles/cloudkms.cryptoKeyEncrypterDecrypter`
 * on it first (unless `kmsKeyGranted`): Cloud Storage refuses to create the bucket without it.
 */
export function snapshotBucket(name: string, backup: ValidatedGcpBackup, labels: Record<string, string>, parent: pulumi.Resource): pulumi.Output<string> {
  if (!backup.createBucket) return pulumi.output(backup.bucketName!);
  const days = backup.retentionDays!;
  const matchesPrefixes = [`${backup.prefix}/`];
  const keyGrant =
    backup.kmsKeyName !== undefined && !backup.kmsKeyGranted
      ? [
          new kms.CryptoKeyIAMMember(
            `${name}-etcd-backup-key-user`,
            {
              cryptoKeyId: backup.kmsKeyName,
              role: STORAGE_KEY_ROLE,
              member: pulumi.interpolate`serviceAccount:${storage.getProjectServiceAccountOutput({}, { parent }).emailAddress}`,
            },
            { parent },
          ),
        ]
      : [];
  const bucket = new storage.Bucket(
    `${name}-etcd-backup`,
    {
      name: backup.bucketName,
      location: backup.bucketLocation,
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { age: days, withState: "LIVE", matchesPrefixes } },
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: days, withState: "ARCHIVED", matchesPrefixes } },
      ],
      encryption: backup.kmsKeyName === undefined ? undefined : { defaultKmsKeyName: backup.kmsKeyName },
      forceDestroy: false,
      labels,
    },
    { parent, dependsOn: keyGrant },
  );
  return bucket.name;
}
