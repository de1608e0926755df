import type { CloudEtcdBackupArgs } from "../cloud/backupArgs";

/**
 * Scheduled etcd snapshots uploaded to Cloud Storage (see {@link CloudEtcdBackupArgs}). A created bucket has
 * versioning on, uniform bucket-level access, public access prevention enforced, lifecycle deletion by
 * `retentionDays`, and optionally a customer-managed key. The etcd voters run as a service account of their own that
 * holds `roles/storage.objectCreator` on that bucket only (a bucket IAM member, nothing project-wide): it can add
 * snapshots, never read, list, overwrite or delete them. rclone on the voters uses the machine's credentials
 * (`env_auth`), so no key file exists anywhere.
 */
export interface GcpEtcdBackupArgs extends CloudEtcdBackupArgs {
  /**
   * Location of a created bucket: a region (e.g. `"europe-west1"`), a dual-region or a multi-region (`"EU"`, `"US"`);
   * a multi-region keeps the snapshots when the cluster's region is lost. Only with `createBucket`.
   * @default the cluster's `region`
   */
  bucketLocation?: string;
  /**
   * Customer-managed Cloud KMS key of a created bucket (`projects/P/locations/L/keyRings/R/cryptoKeys/K`, in the
   * bucket's location). The project's Cloud Storage service agent must hold `roles/cloudkms.cryptoKeyEncrypterDecrypter`
   * on it before the bucket is created; the voters need no KMS role. Only with `createBucket`.
   * @default none: Google-managed encryption
   */
  kmsKeyName?: string;
}
