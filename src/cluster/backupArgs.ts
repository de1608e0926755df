import type * as pulumi from "@pulumi/pulumi";

/**
 * Scheduled etcd snapshots on every etcd voter (the control planes with stacked etcd, the etcd tier otherwise): a
 * systemd timer runs `etcdctl snapshot save` against the member on its own machine, verifies the file
 * (`etcdutl snapshot status` and its sha256), writes a metadata file `<name>.json` beside `<name>.db` (time,
 * revision, etcd hash, sha256, size, etcd versions, member, whether it led) and keeps the newest `retainCount`.
 * With `rcloneRemote`, each slot's snapshot goes upstream once: every voter snapshots (a local copy survives the
 * loss of any machine), but only the member that is raft leader at that moment uploads, so the remote holds one
 * copy per slot, not one per voter.
 */
export interface EtcdBackupArgs {
  /**
   * When to snapshot: a systemd `OnCalendar=` expression (e.g. `"hourly"`, `"*-*-* 00/6:00:00"`, `"daily"`), checked
   * with `systemd-analyze calendar` on each machine. A slot missed while a machine was off runs when it boots.
   * @default "hourly"
   */
  schedule?: string;
  /** Snapshots kept on each voter (older ones are deleted after each successful snapshot). @default 24 */
  retainCount?: number;
  /** Directory of the local snapshots on each voter (absolute; made root-only). @default "/var/lib/pulumi-k8s-ha/etcd-snapshots" */
  directory?: string;
  /**
   * Where the leader uploads each snapshot and its metadata: an rclone destination `remote:path` (S3, GCS, SFTP,
   * ... anything rclone speaks), the remote defined in `rcloneConfig`. The machines need the `rclone` package.
   * Retention upstream is the remote's own business (bucket lifecycle rules). @default "" (no upload)
   */
  rcloneRemote?: string;
  /**
   * rclone's configuration file (the text of an `rclone.conf` defining the remote of `rcloneRemote`, credentials
   * included). Kept secret: it reaches the machines on a command's standard input, and is written root-only to
   * `/etc/pulumi-k8s-ha/rclone.conf`. Required with `rcloneRemote`, refused without. @default none
   */
  rcloneConfig?: pulumi.Input<string>;
  /**
   * Install the `rclone` package with apt on a voter that lacks it (waiting for the dpkg lock), instead of refusing.
   * Only with `rcloneRemote`. The cloud components set it: their machines' images have no rclone. @default false
   */
  installRclone?: boolean;
}

/**
 * Restore etcd from a snapshot: an explicit operation, never the result of an ordinary change. Set it for the one
 * `pulumi up` that restores, then remove it. In order, with every etcd member and control plane: the snapshot is
 * copied to every member and verified there (sha256 = `confirmSha256`, `etcdutl snapshot status`, a trial restore
 * that checks etcd's integrity hash) before anything is stopped; every kube-apiserver is stopped; etcd is stopped
 * on every member; every member is restored from the same snapshot into a new cluster (new cluster token,
 * `--bump-revision` + `--mark-compacted`), the old data directory kept beside it; etcd starts and a gate waits for
 * quorum; the API servers start again and kube-controller-manager, kube-scheduler and kubelet are restarted; a
 * final gate checks the whole control plane. Each step records on its machine that it ran for this snapshot: running
 * the same restore again does nothing; only a new `confirmSha256` restores again.
 */
export interface EtcdRestoreArgs {
  /**
   * The snapshot, as a file on the machine that runs Pulumi: a `.db` file the snapshot timer made (copied from a
   * voter's snapshot directory, or downloaded from the rclone remote).
   */
  snapshotFile: string;
  /**
   * The confirmation: the sha256 of `snapshotFile` (64 hex digits), as its metadata `.json` or `sha256sum` shows
   * it. Checked against the file when the program runs and again on every machine.
   */
  confirmSha256: string;
  /**
   * How far the restored revision is raised above the snapshot's. Kubernetes caches and clients remember
   * resourceVersions (etcd revisions); raising it past anything they saw, and marking the old range compacted,
   * makes them relist instead of missing changes. @default 1000000000
   */
  bumpRevision?: number;
}

/** Defaults of {@link EtcdBackupArgs} and {@link EtcdRestoreArgs}. */
export const backupDefaults = {
  schedule: "hourly",
  retainCount: 24,
  directory: "/var/lib/pulumi-k8s-ha/etcd-snapshots",
  bumpRevision: 1_000_000_000,
  /** Bound on one `etcdctl snapshot save`. */
  saveTimeoutSeconds: 600,
} as const;

/** What the `etcdBackup` output says: the settings, and per voter the newest snapshot found when `pulumi up` ran. */
export interface EtcdBackupReport {
  schedule: string;
  retainCount: number;
  directory: string;
  /** The rclone destination, `""` without upload. */
  destination: string;
  /** Per member name: the newest local snapshot's metadata (time, revision, sha256, ...), `{}` when there is none yet. */
  newest: Record<string, Record<string, unknown>>;
}
