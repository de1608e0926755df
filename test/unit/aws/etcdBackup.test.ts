/**
 * `etcdBackup` on the AWS HaControlPlane: the bucket and every setting on it, the voters' role (trust, policy parsed
 * and compared exactly), the instance profile on the etcd voters only, the rclone remote the bootstrap receives, the
 * output, and the preview-time refusals naming the field. Update and preview mode.
 */
import * as pulumi from "@pulumi/pulumi";
import { mockAutoName } from "../../../src/aws/testing";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { BASE_ARGS, installAwsMocks, named, ofType, outputValue, Recorder, settle, unwrap } from "./support";

jest.setTimeout(60_000);

const T = {
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  instance: "aws:ec2/instance:Instance",
  command: "command:remote:Command",
};
const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TRUST = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };

async function build(preview: boolean, name: string, extra: Record<string, unknown>) {
  const recorder = await installAwsMocks(preview);
  const { HaControlPlane } = await import("../../../src/aws");
  const cluster = new HaControlPlane(name, { ...BASE_ARGS, ...extra } as any);
  await settle(recorder);
  return { recorder, cluster };
}

/** Instance name -> its instance profile input. */
const profiles = (recorder: Recorder) => Object.fromEntries(ofType(recorder, T.instance).map((i) => [i.name, i.inputs.iamInstanceProfile]));

/** The rclone.conf a backup step receives on standard input. */
const rcloneConfOf = (recorder: Recorder, command: string) => unwrap(named(recorder, T.command, command).inputs.stdin);

describe.each([false, true])("created bucket, stacked etcd, defaults (preview: %s)", (preview) => {
  let recorder: Recorder;
  let cluster: any;
  const bucket = mockAutoName("bk-etcd-backup");
  beforeAll(async () => ({ recorder, cluster } = await build(preview, "bk", { etcdBackup: {} })));

  test("one bucket with a generated name, never force-destroyed, tagged", () => {
    const created = ofType(recorder, T.bucket);
    expect(created.map((b) => b.name)).toEqual(["bk-etcd-backup"]);
    expect(created[0].inputs).toEqual({
      forceDestroy: false,
      tags: { Name: "bk-etcd-backup", "kubernetes.io/cluster/demo": "owned" },
    });
  });

  test("versioning on, SSE-S3, four public access blocks, ACLs disabled", () => {
    expect(named(recorder, T.versioning, "bk-etcd-backup-versioning").inputs).toEqual({ bucket: "bk-etcd-backup-id", versioningConfiguration: { status: "Enabled" } });
    expect(named(recorder, T.encryption, "bk-etcd-backup-encryption").inputs).toEqual({
      bucket: "bk-etcd-backup-id",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(named(recorder, T.publicAccess, "bk-etcd-backup-public-access").inputs).toEqual({
      bucket: "bk-etcd-backup-id",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(named(recorder, T.ownership, "bk-etcd-backup-ownership").inputs).toEqual({ bucket: "bk-etcd-backup-id", rule: { objectOwnership: "BucketOwnerEnforced" } });
  });

  test("lifecycle: under the prefix, current objects and noncurrent versions expire after 30 days, stale multipart uploads after 1", () => {
    expect(named(recorder, T.lifecycle, "bk-etcd-backup-retention").inputs).toEqual({
      bucket: "bk-etcd-backup-id",
      rules: [
        {
          id: "etcd-snapshot-retention",
          status: "Enabled",
          filter: { prefix: "etcd-snapshots/" },
          expiration: { days: 30 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
  });

  test("bucket policy: requests without TLS are denied", () => {
    const policy = named(recorder, T.bucketPolicy, "bk-etcd-backup-tls-only").inputs;
    expect(policy.bucket).toBe("bk-etcd-backup-id");
    expect(JSON.parse(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  test("role: only EC2 may assume it; its one policy allows PutObject and AbortMultipartUpload under the prefix, nothing else", () => {
    const roles = ofType(recorder, T.role);
    expect(roles.map((r) => r.name)).toEqual(["bk-etcd-backup"]);
    expect(JSON.parse(roles[0].inputs.assumeRolePolicy)).toEqual(TRUST);
    const policies = ofType(recorder, T.rolePolicy);
    expect(policies.map((p) => [p.name, p.inputs.role])).toEqual([["bk-etcd-backup-write", mockAutoName("bk-etcd-backup")]]);
    expect(JSON.parse(policies[0].inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "WriteEtcdSnapshots", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${bucket}/etcd-snapshots/*` }],
    });
    expect(ofType(recorder, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
  });

  test("the instance profile is on the three control planes (the voters) and not on the bastion", () => {
    const profile = ofType(recorder, T.profile);
    expect(profile.map((p) => [p.name, p.inputs.role])).toEqual([["bk-etcd-backup", mockAutoName("bk-etcd-backup")]]);
    const profileName = mockAutoName("bk-etcd-backup");
    expect(profiles(recorder)).toEqual({ "bk-bastion": undefined, "bk-cp-0": profileName, "bk-cp-1": profileName, "bk-cp-2": profileName });
  });

  test("each voter's backup step uploads through the alias to the bucket with the instance role, rclone installed when missing", async () => {
    const steps = ofType(recorder, T.command).filter((c) => c.name.endsWith("-etcd-backup")).map((c) => c.name);
    expect(steps.sort()).toEqual(["bk-control-plane-cp-0-etcd-backup", "bk-control-plane-cp-1-etcd-backup", "bk-control-plane-cp-2-etcd-backup"]);
    const script = scriptOfRootCommand(String(named(recorder, T.command, "bk-control-plane-cp-0-etcd-backup").inputs.create));
    expect(script).toContain("readonly UPLOAD='true'");
    expect(script).toContain("readonly INSTALL_RCLONE='true'");
    expect(script).toContain("apt_install rclone </dev/null >&2");
    expect(Buffer.from(/readonly PROGRAM_B64='([^']*)'/.exec(script)![1], "base64").toString()).toContain("readonly RCLONE_REMOTE='pulumi-k8s-ha-etcd-backup:etcd-snapshots'");
    if (preview) return;
    expect(rcloneConfOf(recorder, "bk-control-plane-cp-0-etcd-backup")).toBe(
      [
        "[pulumi-k8s-ha-etcd-backup-store]",
        "type = s3",
        "provider = AWS",
        "env_auth = true",
        "region = us-east-1",
        "acl = bucket-owner-full-control",
        "no_check_bucket = true",
        "no_head = true",
        "",
        "[pulumi-k8s-ha-etcd-backup]",
        "type = alias",
        `remote = pulumi-k8s-ha-etcd-backup-store:${bucket}`,
        "",
      ].join("\n"),
    );
  });

  test("the etcdBackup output: destination s3://bucket/prefix, schedule, retention", async () => {
    if (preview) return; // the report reads the machines: unknown in preview
    const report = await outputValue(cluster.etcdBackup as pulumi.Output<Record<string, unknown>>);
    expect(report).toMatchObject({
      schedule: "hourly",
      retainCount: 24,
      directory: "/var/lib/pulumi-k8s-ha/etcd-snapshots",
      destination: `s3://${bucket}/etcd-snapshots`,
      bucket,
      prefix: "etcd-snapshots",
      retentionDays: 30,
    });
    expect(Object.keys(report.newest as object).sort()).toEqual(["cp-0", "cp-1", "cp-2"]);
  });
});

describe.each([false, true])("created bucket with a KMS key, a name, a prefix and a retention (preview: %s)", (preview) => {
  let recorder: Recorder;
  beforeAll(async () => ({ recorder } = await build(preview, "kb", { etcdBackup: { bucketName: "acme-prod-etcd", prefix: "prod/etcd", retentionDays: 7, kmsKeyArn: KMS, schedule: "daily" } })));

  test("the bucket takes the name; SSE-KMS with the key and a bucket key; lifecycle on the prefix by 7 days", () => {
    expect(named(recorder, T.bucket, "kb-etcd-backup").inputs.bucket).toBe("acme-prod-etcd");
    expect(named(recorder, T.encryption, "kb-etcd-backup-encryption").inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true },
    ]);
    const rule = named(recorder, T.lifecycle, "kb-etcd-backup-retention").inputs.rules[0];
    expect([rule.filter, rule.expiration, rule.noncurrentVersionExpiration]).toEqual([{ prefix: "prod/etcd/" }, { days: 7 }, { noncurrentDays: 7 }]);
  });

  test("the policy adds the key's use through S3 in the bucket's region only", () => {
    expect(JSON.parse(named(recorder, T.rolePolicy, "kb-etcd-backup-write").inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "WriteEtcdSnapshots", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::acme-prod-etcd/prod/etcd/*" },
        {
          Sid: "EncryptEtcdSnapshots",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: KMS,
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
      ],
    });
  });

  test("rclone asks for SSE-KMS with the key", () => {
    if (preview) return;
    const conf = rcloneConfOf(recorder, "kb-control-plane-cp-1-etcd-backup");
    expect(conf).toContain("\nserver_side_encryption = aws:kms\nsse_kms_key_id = " + KMS + "\n");
    expect(conf).toContain("remote = pulumi-k8s-ha-etcd-backup-store:acme-prod-etcd\n");
  });
});

describe.each([false, true])("existing bucket, external etcd (preview: %s)", (preview) => {
  let recorder: Recorder;
  let cluster: any;
  beforeAll(async () => ({ recorder, cluster } = await build(preview, "xb", { etcdTopology: "external", etcdBackup: { createBucket: false, bucketName: "corp-backups" } })));

  test("no bucket or bucket setting is created; the bucket is looked up for its ARN and region", () => {
    for (const type of [T.bucket, T.versioning, T.encryption, T.publicAccess, T.ownership, T.bucketPolicy, T.lifecycle]) expect(ofType(recorder, type)).toEqual([]);
    expect(recorder.invokes.filter((i) => i.token === "aws:s3/getBucket:getBucket").map((i) => i.inputs)).toEqual([{ bucket: "corp-backups" }]);
    expect(JSON.parse(named(recorder, T.rolePolicy, "xb-etcd-backup-write").inputs.policy).Statement).toEqual([
      { Sid: "WriteEtcdSnapshots", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::corp-backups/etcd-snapshots/*" },
    ]);
  });

  test("the instance profile is on the etcd members (the voters) only: not the control planes, not the bastion", () => {
    const profileName = mockAutoName("xb-etcd-backup");
    expect(profiles(recorder)).toEqual({
      "xb-bastion": undefined,
      "xb-cp-0": undefined,
      "xb-cp-1": undefined,
      "xb-cp-2": undefined,
      "xb-etcd-0": profileName,
      "xb-etcd-1": profileName,
      "xb-etcd-2": profileName,
    });
    const steps = ofType(recorder, T.command).filter((c) => c.name.endsWith("-etcd-backup")).map((c) => c.name);
    expect(steps.sort()).toEqual(["xb-etcd-cluster-etcd-0-etcd-backup", "xb-etcd-cluster-etcd-1-etcd-backup", "xb-etcd-cluster-etcd-2-etcd-backup"]);
  });

  test("the output names the existing bucket and no upstream retention", async () => {
    if (preview) return;
    const report = await outputValue(cluster.etcdBackup as pulumi.Output<Record<string, unknown>>);
    expect([report.destination, report.bucket, report.retentionDays]).toEqual(["s3://corp-backups/etcd-snapshots", "corp-backups", undefined]);
    expect(Object.keys(report.newest as object).sort()).toEqual(["etcd-0", "etcd-1", "etcd-2"]);
  });
});

describe.each([false, true])("without etcdBackup (preview: %s)", (preview) => {
  test("no bucket, role or profile; no instance carries a profile; the output is undefined", async () => {
    const { recorder, cluster } = await build(preview, "nb", {});
    for (const type of [T.bucket, T.role, T.rolePolicy, T.profile]) expect(ofType(recorder, type)).toEqual([]);
    expect(Object.values(profiles(recorder)).filter((p) => p !== undefined)).toEqual([]);
    expect(ofType(recorder, T.command).filter((c) => c.name.endsWith("-etcd-backup"))).toEqual([]);
    if (!preview) expect(await outputValue(cluster.etcdBackup)).toBeUndefined();
  });
});

/** [title, etcdBackup, field, exact message after "HaControlPlane bad: "]. */
const CASES: [string, unknown, string, string][] = [
  ["not an object", "daily", "etcdBackup", "etcdBackup: must be an object (give {} for the defaults)."],
  ["schedule with a quote", { schedule: "daily'; rm -rf /" }, "etcdBackup.schedule", `etcdBackup.schedule: "daily'; rm -rf /" is not a systemd calendar expression. Use e.g. "hourly", "daily" or "*-*-* 00/6:00:00".`],
  ["zero retained locally", { retainCount: 0 }, "etcdBackup.retainCount", "etcdBackup.retainCount: 0 must be a whole number from 1 to 10000 (snapshots kept on each voter)."],
  ["no destination", { createBucket: false }, "etcdBackup.bucketName", "etcdBackup.bucketName: is required with createBucket: false: the snapshots need a destination. Give the name of an existing bucket, or leave createBucket out to create one."],
  ["bucket name with capitals", { bucketName: "Acme-Backups" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "Acme-Backups" is not a valid bucket name: use lowercase letters, digits, '.' and '-', starting and ending with a letter or digit.`],
  ["bucket name too short", { createBucket: false, bucketName: "ab" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "ab" is not a valid bucket name: S3 bucket names have 3 to 63 characters.`],
  ["bucket name like an IP", { bucketName: "192.168.5.4" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "192.168.5.4" is not a valid bucket name: a name formatted as an IP address is not allowed.`],
  ["bucket name with '..'", { bucketName: "acme..etcd" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "acme..etcd" is not a valid bucket name: two adjacent periods are not allowed.`],
  ["prefix with a leading slash", { prefix: "/etcd" }, "etcdBackup.prefix", `etcdBackup.prefix: "/etcd" is not a key prefix. Use segments of letters, digits, '.', '_' and '-' joined by '/', without a leading or trailing '/' (e.g. "prod/etcd").`],
  ["prefix with '..'", { prefix: "etcd/../other" }, "etcdBackup.prefix", `etcdBackup.prefix: "etcd/../other" is not a key prefix. Use segments of letters, digits, '.', '_' and '-' joined by '/', without a leading or trailing '/' (e.g. "prod/etcd").`],
  ["retention of 0 days", { retentionDays: 0 }, "etcdBackup.retentionDays", "etcdBackup.retentionDays: 0 must be a whole number of days from 1 to 36500."],
  ["retention of 1.5 days", { retentionDays: 1.5 }, "etcdBackup.retentionDays", "etcdBackup.retentionDays: 1.5 must be a whole number of days from 1 to 36500."],
  ["retention on an existing bucket", { createBucket: false, bucketName: "corp-backups", retentionDays: 7 }, "etcdBackup.retentionDays", "etcdBackup.retentionDays: only applies to a bucket the component creates; an existing bucket keeps its own lifecycle rules. Remove it, or leave createBucket out."],
  ["KMS alias instead of a key ARN", { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/etcd" }, "etcdBackup.kmsKeyArn", `etcdBackup.kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/etcd" is not a KMS key ARN. Give arn:aws:kms:<region>:<account>:key/<key id> (an alias ARN does not work in IAM policies).`],
  ["KMS key id without ARN", { kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" }, "etcdBackup.kmsKeyArn", `etcdBackup.kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" is not a KMS key ARN. Give arn:aws:kms:<region>:<account>:key/<key id> (an alias ARN does not work in IAM policies).`],
  ["an rclone remote of its own", { rcloneRemote: "s3:bucket" }, "etcdBackup.rcloneRemote", "etcdBackup.rcloneRemote: is not used by the cloud components: they upload to their bucket with the machines' own identity. Give bucketName (and createBucket: false) for an existing bucket."],
  ["createBucket not a boolean", { createBucket: "no" }, "etcdBackup.createBucket", 'etcdBackup.createBucket: "no" must be true or false.'],
];

describe.each([false, true])("bad etcdBackup throws before any child, naming the field (preview: %s)", (preview) => {
  let recorder: Recorder;
  beforeAll(async () => {
    recorder = await installAwsMocks(preview);
  });

  test.each(CASES)("%s", async (_title, etcdBackup, field, message) => {
    const { HaControlPlane } = await import("../../../src/aws");
    const { ArgumentError } = await import("../../../src/cluster/argumentError");
    const before = recorder.resources.length;
    let caught: unknown;
    try {
      new HaControlPlane("bad", { ...BASE_ARGS, etcdBackup } as any);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ArgumentError);
    expect((caught as { field: string }).field).toBe(field);
    expect((caught as Error).message).toBe(`HaControlPlane bad: ${message}`);
    await settle(recorder, 50);
    expect(recorder.resources.slice(before)).toEqual([]);
  });
});
