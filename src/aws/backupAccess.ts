import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotBucket } from "./backupBucket";
import { EC2_TRUST_POLICY, snapshotWriterPolicy } from "./backupPolicy";

/**
 * The etcd voters' identity: a role only EC2 may assume, an inline policy that may only add snapshots under the
 * prefix ({@link snapshotWriterPolicy}), and the instance profile the voters (and no other machine) carry.
 */
export function snapshotWriterProfile(
  name: string,
  scope: { bucket: SnapshotBucket; prefix: string; kmsKeyArn?: string },
  tags: Record<string, string>,
  parent: pulumi.Resource,
): iam.InstanceProfile {
  const role = new iam.Role(
    `${name}-etcd-backup`,
    { assumeRolePolicy: JSON.stringify(EC2_TRUST_POLICY), description: "pulumi-k8s-ha: etcd voters upload snapshots", tags },
    { parent },
  );
  new iam.RolePolicy(
    `${name}-etcd-backup-write`,
    {
      role: role.name,
      policy: pulumi
        .all([scope.bucket.arn, scope.bucket.region])
        .apply(([bucketArn, region]) => JSON.stringify(snapshotWriterPolicy({ bucketArn, region, prefix: scope.prefix, kmsKeyArn: scope.kmsKeyArn }))),
    },
    { parent },
  );
  return new iam.InstanceProfile(`${name}-etcd-backup`, { role: role.name, tags }, { parent });
}
