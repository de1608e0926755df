import { requireArgument } from "../cluster/argumentError";
import { validateCloudBackup, type ValidatedCloudBackup } from "../cloud/validateBackup";
import type { GcpEtcdBackupArgs } from "./backupArgs";

const KMS_KEY_NAME = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/;
const LOCATION = /^[A-Za-z]+(-[A-Za-z]+\d*)*$/;

/** {@link GcpEtcdBackupArgs} checked, with defaults filled. */
export interface ValidatedGcpBackup extends ValidatedCloudBackup {
  /** Location of a created bucket. */
  bucketLocation: string;
  kmsKeyName?: string;
  /** The storage agent holds the key role already: no grant is made. */
  kmsKeyGranted: boolean;
}

/** Why `name` is not a Cloud Storage bucket name (without dots: dotted names need a verified domain), or undefined. */
export function gcsBucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "Cloud Storage bucket names have 3 to 63 characters";
  if (!/^[a-z0-9][a-z0-9_-]*[a-z0-9]$/.test(name)) return "use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit";
  if (name.startsWith("goog") || /g[o0]{2}gle/.test(name)) return 'names starting with "goog" or containing "google" are reserved';
  return undefined;
}

/** Checks the Google Cloud component's `etcdBackup`; throws an `ArgumentError` naming `etcdBackup.<field>`. `region`: the cluster's. */
export function validateGcpBackup(context: string, backup: GcpEtcdBackupArgs | undefined, region: string): ValidatedGcpBackup | undefined {
  const common = validateCloudBackup(context, backup, gcsBucketNameProblem);
  if (common === undefined || backup === undefined) return undefined;
  for (const field of ["bucketLocation", "kmsKeyName"] as const) {
    requireArgument(
      common.createBucket || backup[field] === undefined,
      context,
      `etcdBackup.${field}`,
      "only applies to a bucket the component creates; an existing bucket keeps its own. Remove it, or leave createBucket out.",
    );
  }
  const bucketLocation = backup.bucketLocation ?? region;
  requireArgument(
    typeof bucketLocation === "string" && bucketLocation.length <= 40 && LOCATION.test(bucketLocation),
    context,
    "etcdBackup.bucketLocation",
    `${JSON.stringify(bucketLocation)} is not a Cloud Storage location. Give a region ("europe-west1"), a dual-region or a multi-region ("EU").`,
  );
  const kmsKeyName = backup.kmsKeyName;
  requireArgument(
    kmsKeyName === undefined || (typeof kmsKeyName === "string" && KMS_KEY_NAME.test(kmsKeyName)),
    context,
    "etcdBackup.kmsKeyName",
    `${JSON.stringify(kmsKeyName)} is not a Cloud KMS key name. Give projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>.`,
  );
  requireArgument(
    backup.kmsKeyGranted === undefined || (typeof backup.kmsKeyGranted === "boolean" && kmsKeyName !== undefined),
    context,
    "etcdBackup.kmsKeyGranted",
    kmsKeyName === undefined ? "only applies with kmsKeyName. Remove it, or give the key." : `${JSON.stringify(backup.kmsKeyGranted)} is not a boolean. Use true or false.`,
  );
  return { ...common, bucketLocation, kmsKeyName, kmsKeyGranted: backup.kmsKeyGranted ?? false };
}
