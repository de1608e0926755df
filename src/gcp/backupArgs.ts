import type { CloudEtcdBackupArgs } from "../cloud/backupArgs";

/**
 * Scheduled etcd snapshots uploaded to Cloud Storage (see {@link CloudEtcdBackupArgs}). A created bucket has
 * versioning on, uniform bucket-level access, public access prevention enforced, lifecycle deletion by
 * `retentionDays`, and optionally a customer-managed key. The etcd voters run as a service account of their own that
 * holds `roles/storage.objectCreator` on that bucket only, conditioned on object names under `prefix` (a bucket IAM
 * member with an IAM condition, nothing project-wide; an existing bucket needs uniform bucket-level access for the
 * condition): it can add snapshots there, never read, list, overwrite or delete them. rclone on the voters uses the machine's credentials
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
   * bucket's location). The component grants the project's Cloud Storage service agent
   * `roles/cloudkms.cryptoKeyEncrypterDecrypter` on it before creating the bucket (the identity running Pulumi then
   * needs `cloudkms.cryptoKeys.setIamPolicy` on the key; see `kmsKeyGranted`); the voters need no KMS role. Only with
   * `createBucket`.
   * @default none: Google-managed encryption
   */
  kmsKeyName?: string;
  /**
   * The Cloud Storage service agent already holds `roles/cloudkms.cryptoKeyEncrypterDecrypter` on `kmsKeyName` (your
   * security team grants key access): the component grants nothing on the key. Only with `kmsKeyName`.
   * @default false
   */
  kmsKeyGranted?: boolean;
}
