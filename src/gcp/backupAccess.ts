import { createHash } from "node:crypto";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";

/** The only role the voters get, on the snapshot bucket only: create objects (no read, list, overwrite or delete). */
export const SNAPSHOT_WRITER_ROLE = "roles/storage.objectCreator";

/** The access scope of the voters' machines: Cloud Storage only (IAM decides the rest). */
export const STORAGE_SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";

/**
 * The service account id (6 to 30 characters) of a cluster's voters: `<cluster>-etcd-backup`, or, for a long
 * cluster name, its first characters and a hash of the whole name.
 */
export function snapshotWriterAccountId(clusterName: string): string {
  const plain = `${clusterName}-etcd-backup`;
  if (plain.length <= 30) return plain;
  const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 6);
  return `${clusterName.slice(0, 11).replace(/-+$/, "")}-${hash}-etcd-backup`;
}

/**
 * The IAM condition of the voters' grant: object names under `<prefix>/` of the bucket only (Cloud Storage evaluates
 * it per object; conditions need uniform bucket-level access, which a created bucket has).
 */
export function snapshotPrefixCondition(bucket: string, prefix: string): { title: string; description: string; expression: string } {
  return {
    title: "etcd snapshots prefix only",
    description: `pulumi-k8s-ha: objects under ${prefix}/ only`,
    expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}/")`,
  };
}

/**
 * The voters' service account and its one grant, `roles/storage.objectCreator` on the bucket, conditioned on object
 * names under `<prefix>/`; returns the account's email.
 */
export function snapshotWriterAccount(name: string, clusterName: string, bucket: pulumi.Output<string>, prefix: string, parent: pulumi.Resource): pulumi.Output<string> {
  const account = new serviceaccount.Account(
    `${name}-etcd-backup`,
    { accountId: snapshotWriterAccountId(clusterName), displayName: `${clusterName} etcd voters (pulumi-k8s-ha snapshots)` },
    { parent },
  );
  new storage.BucketIAMMember(
    `${name}-etcd-backup-writer`,
    {
      bucket,
      role: SNAPSHOT_WRITER_ROLE,
      member: pulumi.interpolate`serviceAccount:${account.email}`,
      condition: bucket.apply((bucketName) => snapshotPrefixCondition(bucketName, prefix)),
    },
    { parent },
  );
  return account.email;
}
