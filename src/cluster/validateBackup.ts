import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { requireArgument } from "./argumentError";
import { backupDefaults, EtcdBackupArgs, EtcdRestoreArgs } from "./backupArgs";

const SCHEDULE = /^[A-Za-z0-9 *:,./~-]{1,100}$/;
const PLAIN_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;
/** rclone `remote:path`: a remote name (letters, digits, `_ - . + @`), a colon, a path without spaces or quotes. */
const RCLONE_REMOTE = /^[A-Za-z0-9_][A-Za-z0-9_.+@-]*:[A-Za-z0-9_./=+@-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** {@link EtcdBackupArgs} with defaults filled. */
export interface ValidatedBackup {
  schedule: string;
  retainCount: number;
  directory: string;
  rcloneRemote: string;
  /** Install rclone with apt where it is missing. */
  installRclone: boolean;
}

/** Checks `etcdBackup`; throws an `ArgumentError` naming `etcdBackup.<field>`. `undefined` means no scheduled snapshots. */
export function validateEtcdBackupArgs(context: string, backup: EtcdBackupArgs | undefined): ValidatedBackup | undefined {
  if (backup === undefined) return undefined;
  requireArgument(typeof backup === "object" && backup !== null, context, "etcdBackup", "must be an object (give {} for the defaults).");
  const schedule = backup.schedule ?? backupDefaults.schedule;
  requireArgument(
    typeof schedule === "string" && SCHEDULE.test(schedule) && schedule.trim() !== "",
    context,
    "etcdBackup.schedule",
    `${JSON.stringify(schedule)} is not a systemd calendar expression. Use e.g. "hourly", "daily" or "*-*-* 00/6:00:00".`,
  );
  const retainCount = backup.retainCount ?? backupDefaults.retainCount;
  requireArgument(
    Number.isInteger(retainCount) && retainCount >= 1 && retainCount <= 10_000,
    context,
    "etcdBackup.retainCount",
    `${JSON.stringify(retainCount)} must be a whole number from 1 to 10000 (snapshots kept on each voter).`,
  );
  const directory = backup.directory ?? backupDefaults.directory;
  requireArgument(
    typeof directory === "string" && PLAIN_PATH.test(directory) && !directory.split("/").includes("..") && directory !== "/",
    context,
    "etcdBackup.directory",
    `${JSON.stringify(directory)} must be an absolute path of letters, digits, '.', '_', '-' and '/'.`,
  );
  const rcloneRemote = backup.rcloneRemote ?? "";
  requireArgument(
    rcloneRemote === "" || (typeof rcloneRemote === "string" && RCLONE_REMOTE.test(rcloneRemote)),
    context,
    "etcdBackup.rcloneRemote",
    `${JSON.stringify(rcloneRemote)} is not an rclone destination. Give "remote:path" with the remote defined in rcloneConfig, e.g. "backup:my-bucket/etcd".`,
  );
  const hasConfig = backup.rcloneConfig !== undefined && backup.rcloneConfig !== null && backup.rcloneConfig !== "";
  requireArgument(rcloneRemote === "" || hasConfig, context, "etcdBackup.rcloneConfig", "is required with rcloneRemote. Give the rclone.conf text that defines the remote (e.g. from config.requireSecret).");
  requireArgument(rcloneRemote !== "" || !hasConfig, context, "etcdBackup.rcloneConfig", "is only used with rcloneRemote. Remove it or give rcloneRemote.");
  const installRclone = backup.installRclone ?? false;
  requireArgument(typeof installRclone === "boolean", context, "etcdBackup.installRclone", `${JSON.stringify(installRclone)} must be true or false.`);
  requireArgument(!installRclone || rcloneRemote !== "", context, "etcdBackup.installRclone", "is only used with rcloneRemote. Remove it or give rcloneRemote.");
  return { schedule, retainCount, directory, rcloneRemote, installRclone };
}

/** {@link EtcdRestoreArgs} with defaults filled. */
export interface ValidatedRestore {
  snapshotFile: string;
  sha256: string;
  bumpRevision: number;
}

/** Digests already computed in this program run, by path, size and modification time (components nest). */
const digests = new Map<string, string>();

/** sha256 of a file, read in chunks (a snapshot can be gigabytes); computed once per program run. */
export function fileSha256(file: string): string {
  const stat = statSync(file);
  const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
  const known = digests.get(key);
  if (known !== undefined) return known;
  const digest = computeSha256(file);
  digests.set(key, digest);
  return digest;
}

function computeSha256(file: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(file, "r");
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/**
 * Checks `etcdRestore` when the program runs (preview included): the snapshot file exists on this machine and
 * its sha256 is the confirmed one. Throws an `ArgumentError` naming `etcdRestore.<field>`; `undefined`: no restore.
 */
export function validateEtcdRestoreArgs(context: string, restore: EtcdRestoreArgs | undefined): ValidatedRestore | undefined {
  if (restore === undefined) return undefined;
  requireArgument(typeof restore === "object" && restore !== null, context, "etcdRestore", "must be an object with snapshotFile and confirmSha256.");
  const file = restore.snapshotFile;
  requireArgument(typeof file === "string" && file !== "", context, "etcdRestore.snapshotFile", "is missing. Give the path of the snapshot (.db) on the machine running Pulumi.");
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  requireArgument(isFile, context, "etcdRestore.snapshotFile", `${JSON.stringify(file)} is not a file on this machine. Copy the snapshot here first (from a voter's snapshot directory or the rclone remote).`);
  const confirm = restore.confirmSha256;
  requireArgument(
    typeof confirm === "string" && SHA256.test(confirm),
    context,
    "etcdRestore.confirmSha256",
    `${JSON.stringify(confirm)} is not a sha256. Give the snapshot's sha256 (64 lowercase hex digits, from its .json metadata or sha256sum) to confirm the restore.`,
  );
  const actual = fileSha256(file);
  requireArgument(
    actual === confirm,
    context,
    "etcdRestore.confirmSha256",
    `does not match ${file} (its sha256 is ${actual}): wrong or damaged snapshot file. Nothing was changed.`,
  );
  const bumpRevision = restore.bumpRevision ?? backupDefaults.bumpRevision;
  requireArgument(
    Number.isSafeInteger(bumpRevision) && bumpRevision >= 1,
    context,
    "etcdRestore.bumpRevision",
    `${JSON.stringify(bumpRevision)} must be a positive whole number (e.g. 1000000000).`,
  );
  return { snapshotFile: file, sha256: confirm, bumpRevision };
}
