import type { EtcdBackupReport } from "../cluster/backupArgs";

/**
 * Scheduled etcd snapshots of a cloud control plane, uploaded to the cloud's object storage. On every etcd voter
 * (the control planes with stacked etcd, the etcd members otherwise) a systemd timer snapshots the member, verifies
 * the file, keeps `retainCount` locally, and the raft leader of the moment uploads it with rclone (installed on the
 * voters when missing). The voters write with their machine identity (an instance role on AWS, a service account on
 * Google Cloud) that may only create objects: no key is ever written to a machine. Each cloud's arguments add
 * their encryption settings.
 */
export interface CloudEtcdBackupArgs {
  /**
   * When to snapshot: a systemd `OnCalendar=` expression (e.g. `"hourly"`, `"*-*-* 00/6:00:00"`, `"daily"`).
   * @default "hourly"
   */
  schedule?: string;
  /** Snapshots kept on each voter. @default 24 */
  retainCount?: number;
  /** Directory of the local snapshots on each voter (absolute). @default "/var/lib/pulumi-k8s-ha/etcd-snapshots" */
  directory?: string;
  /**
   * Create the bucket (versioned, encrypted, never public, snapshots expiring after `retentionDays`). `false` uploads
   * to an existing bucket named `bucketName`, whose settings (retention, encryption) are then its owner's business.
   * @default true
   */
  createBucket?: boolean;
  /**
   * Name of the bucket: of the one created (bucket names are global: pick one nobody has), or of the existing one
   * with `createBucket: false` (required then).
   * @default with `createBucket`, a generated name `<component name>-etcd-backup-<random suffix>`
   */
  bucketName?: string;
  /**
   * Key prefix of the snapshots in the bucket, without leading or trailing `/` (e.g. `"prod/etcd"`). The voters may
   * write under this prefix only (on AWS; on Google Cloud the grant is on the bucket).
   * @default "etcd-snapshots"
   */
  prefix?: string;
  /**
   * Days an uploaded snapshot is kept in a created bucket: it expires that many days after its upload, and an
   * expired or overwritten version is deleted for good that many days later. Only with `createBucket`.
   * @default 30
   */
  retentionDays?: number;
}

/** Defaults of {@link CloudEtcdBackupArgs}. */
export const cloudBackupDefaults = { prefix: "etcd-snapshots", retentionDays: 30 } as const;

/** The cloud components' `etcdBackup` output: the settings, where the snapshots go, and the newest one per voter. */
export interface CloudEtcdBackupReport extends EtcdBackupReport {
  /** The bucket's name. */
  bucket: string;
  /** The key prefix of the snapshots. */
  prefix: string;
  /** Days an upload is kept (a created bucket's lifecycle rule); `undefined` for an existing bucket. */
  retentionDays?: number;
}
