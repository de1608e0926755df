import { requireArgument } from "../cluster/argumentError";
import { validateEtcdBackupArgs } from "../cluster/validateBackup";
import { cloudBackupDefaults, type CloudEtcdBackupArgs } from "./backupArgs";

/** A key prefix: `/`-separated segments of letters, digits, `.`, `_`, `-`; no `.` or `..` segment. */
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** {@link CloudEtcdBackupArgs} checked, with defaults filled. */
export interface ValidatedCloudBackup {
  schedule: string;
  retainCount: number;
  directory: string;
  createBucket: boolean;
  /** The given bucket name (required without `createBucket`); undefined: a generated name. */
  bucketName?: string;
  prefix: string;
  /** Days kept upstream (only for a created bucket). */
  retentionDays?: number;
}

/** A cloud's bucket naming rule: why `name` is not a valid bucket name, or undefined when it is. */
export type BucketNameRule = (name: string) => string | undefined;

/**
 * Checks a cloud component's `etcdBackup` (the snapshot settings with the same messages as everywhere, then the
 * bucket settings); throws an `ArgumentError` naming `etcdBackup.<field>`. `undefined`: no scheduled snapshots.
 */
export function validateCloudBackup(context: string, backup: CloudEtcdBackupArgs | undefined, bucketNameRule: BucketNameRule): ValidatedCloudBackup | undefined {
  if (backup === undefined) return undefined;
  requireArgument(typeof backup === "object" && backup !== null && !Array.isArray(backup), context, "etcdBackup", "must be an object (give {} for the defaults).");
  for (const field of ["rcloneRemote", "rcloneConfig", "installRclone"]) {
    requireArgument(
      (backup as Record<string, unknown>)[field] === undefined,
      context,
      `etcdBackup.${field}`,
      "is not used by the cloud components: they upload to their bucket with the machines' own identity. Give bucketName (and createBucket: false) for an existing bucket.",
    );
  }
  const core = validateEtcdBackupArgs(context, { schedule: backup.schedule, retainCount: backup.retainCount, directory: backup.directory })!;
  const createBucket = backup.createBucket ?? true;
  requireArgument(typeof createBucket === "boolean", context, "etcdBackup.createBucket", `${JSON.stringify(createBucket)} must be true or false.`);
  const bucketName = backup.bucketName;
  requireArgument(
    createBucket || bucketName !== undefined,
    context,
    "etcdBackup.bucketName",
    "is required with createBucket: false: the snapshots need a destination. Give the name of an existing bucket, or leave createBucket out to create one.",
  );
  if (bucketName !== undefined) {
    const why = typeof bucketName === "string" ? bucketNameRule(bucketName) : "must be a string";
    requireArgument(why === undefined, context, "etcdBackup.bucketName", `${JSON.stringify(bucketName)} is not a valid bucket name: ${why}.`);
  }
  const prefix = backup.prefix ?? cloudBackupDefaults.prefix;
  requireArgument(
    typeof prefix === "string" && prefix.length <= 200 && PREFIX.test(prefix) && !prefix.split("/").some((part) => part === "." || part === ".."),
    context,
    "etcdBackup.prefix",
    `${JSON.stringify(prefix)} is not a key prefix. Use segments of letters, digits, '.', '_' and '-' joined by '/', without a leading or trailing '/' (e.g. "prod/etcd").`,
  );
  let retentionDays: number | undefined;
  if (createBucket) {
    retentionDays = backup.retentionDays ?? cloudBackupDefaults.retentionDays;
    requireArgument(
      Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 36_500,
      context,
      "etcdBackup.retentionDays",
      `${JSON.stringify(retentionDays)} must be a whole number of days from 1 to 36500.`,
    );
  } else {
    requireArgument(
      backup.retentionDays === undefined,
      context,
      "etcdBackup.retentionDays",
      "only applies to a bucket the component creates; an existing bucket keeps its own lifecycle rules. Remove it, or leave createBucket out.",
    );
  }
  return { ...core, createBucket, bucketName, prefix, retentionDays };
}
