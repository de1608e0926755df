import { requireArgument } from "../cluster/argumentError";
import { validateCloudBackup, type ValidatedCloudBackup } from "../cloud/validateBackup";
import type { AwsEtcdBackupArgs } from "./backupArgs";

/** A KMS key ARN (not an alias: IAM grants the use of keys by key ARN). */
const KMS_KEY_ARN = /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-)?[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}$/;

/** {@link AwsEtcdBackupArgs} checked, with defaults filled. */
export interface ValidatedAwsBackup extends ValidatedCloudBackup {
  kmsKeyArn?: string;
}

/** Why `name` is not a general purpose S3 bucket name, or undefined. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "S3 bucket names have 3 to 63 characters";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return "use lowercase letters, digits, '.' and '-', starting and ending with a letter or digit";
  if (name.includes("..")) return "two adjacent periods are not allowed";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "a name formatted as an IP address is not allowed";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(name)) return "the name uses a prefix or suffix AWS reserves";
  return undefined;
}

/** Checks the AWS component's `etcdBackup`; throws an `ArgumentError` naming `etcdBackup.<field>`. */
export function validateAwsBackup(context: string, backup: AwsEtcdBackupArgs | undefined): ValidatedAwsBackup | undefined {
  const common = validateCloudBackup(context, backup, s3BucketNameProblem);
  if (common === undefined || backup === undefined) return undefined;
  const kmsKeyArn = backup.kmsKeyArn;
  requireArgument(
    kmsKeyArn === undefined || (typeof kmsKeyArn === "string" && KMS_KEY_ARN.test(kmsKeyArn)),
    context,
    "etcdBackup.kmsKeyArn",
    `${JSON.stringify(kmsKeyArn)} is not a KMS key ARN. Give arn:aws:kms:<region>:<account>:key/<key id> (an alias ARN does not work in IAM policies).`,
  );
  return { ...common, kmsKeyArn };
}
