/**
 * `etcdBackup` on the GCP HaControlPlane: the bucket and every setting on it, the voters' service account and its one
 * bucket-level grant, the account on the etcd voters only (never the bastion), held on running machines, the rclone
 * remote the bootstrap receives, the output, and the preview-time refusals naming the field. Update and preview mode.
 */
import * as pulumi from "@pulumi/pulumi";
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
import { BASE_ARGS, installGcpMocks, named, ofType, outputValue, Recorder, settle, T, unwrap } from "./support";

jest.setTimeout(60_000);

const BUCKET = "gcp:storage/bucket:Bucket";
const ACCOUNT = "gcp:serviceaccount/account:Account";
const MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
const KEY = "projects/acme-sec/locations/europe-west1/keyRings/backups/cryptoKeys/etcd";
const STORAGE_SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";

async function build(preview: boolean, name: string, extra: Record<string, unknown>) {
  const recorder = await installGcpMocks(preview);
  const { HaControlPlane } = await import("../../../src/gcp");
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const typedOptions = new Map<string, pulumi.CustomResourceOptions>();
  const cluster = new HaControlPlane(name, { ...BASE_ARGS, ...extra } as any, {
    transformations: [(t) => { options.set(t.name, t.opts as pulumi.CustomResourceOptions); typedOptions.set(`${t.type}::${t.name}`, t.opts as pulumi.CustomResourceOptions); return undefined; }],
  });
  await settle(recorder);
  return { recorder, cluster, options, typedOptions };
}

/** Instance name -> its service account input. */
const accounts = (recorder: Recorder) => Object.fromEntries(ofType(recorder, T.instance).map((i) => [i.name, i.inputs.serviceAccount]));

describe.each([false, true])("created bucket, stacked etcd, defaults (preview: %s)", (preview) => {
  let recorder: Recorder;
  let cluster: any;
  let options: Map<string, pulumi.CustomResourceOptions>;
  beforeAll(async () => ({ recorder, cluster, options } = await build(preview, "gb", { etcdBackup: {} })));

  test("one bucket in the cluster's region: versioned, uniform access, public access prevented, lifecycle by 30 days, Google-managed key", () => {
    const buckets = ofType(recorder, BUCKET);
    expect(buckets.map((b) => b.name)).toEqual(["gb-etcd-backup"]);
    expect(buckets[0].inputs).toEqual({
      location: "europe-west1",
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { age: 30, withState: "LIVE", matchesPrefixes: ["etcd-snapshots/"] } },
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED", matchesPrefixes: ["etcd-snapshots/"] } },
      ],
      forceDestroy: false,
      labels: { "k8s-ha-cluster": "demo" },
    });
  });

  test("a service account whose one grant is objectCreator on that bucket (a bucket IAM member)", () => {
    const created = ofType(recorder, ACCOUNT);
    expect(created.map((a) => [a.name, a.inputs.accountId])).toEqual([["gb-etcd-backup", "demo-etcd-backup"]]);
    const members = ofType(recorder, MEMBER);
    expect(members.map((m) => [m.name, m.inputs])).toEqual([
      [
        "gb-etcd-backup-writer",
        {
          bucket: expect.stringMatching(/^gb-etcd-backup-[0-9a-f]{7}$/),
          role: "roles/storage.objectCreator",
          member: "serviceAccount:demo-etcd-backup@mock-project.iam.gserviceaccount.com",
          condition: { title: "etcd snapshots prefix only", description: "pulumi-k8s-ha: objects under etcd-snapshots/ only", expression: `resource.name.startsWith("projects/_/buckets/${members[0].inputs.bucket}/objects/etcd-snapshots/")` },
        },
      ],
    ]);
    // No key, no grant on a key.
    expect(ofType(recorder, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")).toEqual([]);
    for (const type of ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding", "gcp:storage/bucketIAMBinding:BucketIAMBinding"]) expect(ofType(recorder, type)).toEqual([]);
  });

  test("the control planes (the voters) run as it with the Cloud Storage scope only; the bastion runs as none", () => {
    const voter = { email: "demo-etcd-backup@mock-project.iam.gserviceaccount.com", scopes: [STORAGE_SCOPE] };
    expect(accounts(recorder)).toEqual({ "gb-bastion": undefined, "gb-cp-0": voter, "gb-cp-1": voter, "gb-cp-2": voter });
  });

  test("a running machine's service account is held until it is rolled (attaching it stops the machine)", () => {
    expect(options.get("gb-cp-0")?.ignoreChanges).toContain("serviceAccount");
  });

  test("each voter's backup step uploads through the alias with the machine's credentials, rclone installed when missing", () => {
    const steps = ofType(recorder, T.command).filter((c) => c.name.endsWith("-etcd-backup")).map((c) => c.name);
    expect(steps.sort()).toEqual(["gb-control-plane-cp-0-etcd-backup", "gb-control-plane-cp-1-etcd-backup", "gb-control-plane-cp-2-etcd-backup"]);
    const script = scriptOfRootCommand(String(named(recorder, T.command, "gb-control-plane-cp-2-etcd-backup").inputs.create));
    expect(script).toContain("readonly INSTALL_RCLONE='true'");
    expect(Buffer.from(/readonly PROGRAM_B64='([^']*)'/.exec(script)![1], "base64").toString()).toContain("readonly RCLONE_REMOTE='pulumi-k8s-ha-etcd-backup:etcd-snapshots'");
    if (preview) return;
    const bucket = ofType(recorder, MEMBER)[0].inputs.bucket;
    expect(unwrap(named(recorder, T.command, "gb-control-plane-cp-2-etcd-backup").inputs.stdin)).toBe(
      [
        "[pulumi-k8s-ha-etcd-backup-store]",
        "type = google cloud storage",
        "env_auth = true",
        "bucket_policy_only = true",
        "no_check_bucket = true",
        "",
        "[pulumi-k8s-ha-etcd-backup]",
        "type = alias",
        `remote = pulumi-k8s-ha-etcd-backup-store:${bucket}`,
        "",
      ].join("\n"),
    );
  });

  test("the etcdBackup output: destination gs://bucket/prefix, schedule, retention", async () => {
    if (preview) return;
    const report = await outputValue(cluster.etcdBackup as pulumi.Output<Record<string, unknown>>);
    const bucket = ofType(recorder, MEMBER)[0].inputs.bucket;
    expect(report).toMatchObject({ schedule: "hourly", retainCount: 24, destination: `gs://${bucket}/etcd-snapshots`, bucket, prefix: "etcd-snapshots", retentionDays: 30 });
    expect(Object.keys(report.newest as object).sort()).toEqual(["cp-0", "cp-1", "cp-2"]);
  });
});

describe.each([false, true])("created bucket with a name, a location, a key, a prefix and a retention (preview: %s)", (preview) => {
  test("every setting reaches the bucket", async () => {
    const { recorder, typedOptions } = await build(preview, "gk", { etcdBackup: { bucketName: "acme-prod-etcd", bucketLocation: "EU", kmsKeyName: KEY, prefix: "prod/etcd", retentionDays: 90 } });
    const bucket = named(recorder, BUCKET, "gk-etcd-backup").inputs;
    expect([bucket.name, bucket.location, bucket.encryption]).toEqual(["acme-prod-etcd", "EU", { defaultKmsKeyName: KEY }]);
    expect(bucket.lifecycleRules.map((r: any) => r.condition)).toEqual([
      { age: 90, withState: "LIVE", matchesPrefixes: ["prod/etcd/"] },
      { daysSinceNoncurrentTime: 90, withState: "ARCHIVED", matchesPrefixes: ["prod/etcd/"] },
    ]);
    expect(named(recorder, MEMBER, "gk-etcd-backup-writer").inputs.bucket).toBe("acme-prod-etcd");
    // The voters may create objects under the prefix only.
    expect(named(recorder, MEMBER, "gk-etcd-backup-writer").inputs.condition.expression).toBe('resource.name.startsWith("projects/_/buckets/acme-prod-etcd/objects/prod/etcd/")');
    // The Cloud Storage service agent may use the key, granted before the bucket is created.
    const grant = named(recorder, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gk-etcd-backup-key-user");
    expect(grant.inputs).toEqual({ cryptoKeyId: KEY, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com" });
    const dependsOn = typedOptions.get(`${BUCKET}::gk-etcd-backup`)?.dependsOn as pulumi.Resource[];
    expect(await Promise.all(dependsOn.map((r) => outputValue((r as pulumi.CustomResource).urn)))).toEqual([expect.stringMatching(/::gk-etcd-backup-key-user$/)]);
  });

  test("kmsKeyGranted: the key's access is the user's; nothing is granted on it", async () => {
    const { recorder } = await build(preview, "gg", { etcdBackup: { kmsKeyName: KEY, kmsKeyGranted: true } });
    expect(named(recorder, BUCKET, "gg-etcd-backup").inputs.encryption).toEqual({ defaultKmsKeyName: KEY });
    expect(ofType(recorder, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")).toEqual([]);
  });
});

describe.each([false, true])("existing bucket, external etcd, long cluster name (preview: %s)", (preview) => {
  let recorder: Recorder;
  let cluster: any;
  const clusterName = "a-rather-long-cluster-name-for-tests";
  beforeAll(async () => ({ recorder, cluster } = await build(preview, "gx", { clusterName, etcdTopology: "external", etcdBackup: { createBucket: false, bucketName: "corp-backups" } })));

  test("no bucket is created; the grant is on the given bucket; the account id fits in 30 characters", () => {
    expect(ofType(recorder, BUCKET)).toEqual([]);
    expect(ofType(recorder, MEMBER).map((m) => m.inputs.bucket)).toEqual(["corp-backups"]);
    const id = ofType(recorder, ACCOUNT)[0].inputs.accountId as string;
    expect(id).toMatch(/^a-rather-lo-[0-9a-f]{6}-etcd-backup$/);
    expect(id.length).toBeLessThanOrEqual(30);
  });

  test("the etcd members (the voters) run as the account; control planes and bastion do not", () => {
    const seen = accounts(recorder);
    expect(Object.keys(seen).filter((n) => seen[n] !== undefined).sort()).toEqual(["gx-etcd-0", "gx-etcd-1", "gx-etcd-2"]);
    expect(Object.keys(seen).filter((n) => seen[n] === undefined).sort()).toEqual(["gx-bastion", "gx-cp-0", "gx-cp-1", "gx-cp-2"]);
  });

  test("the output names the existing bucket and no upstream retention", async () => {
    if (preview) return;
    const report = await outputValue(cluster.etcdBackup as pulumi.Output<Record<string, unknown>>);
    expect([report.destination, report.bucket, report.retentionDays]).toEqual(["gs://corp-backups/etcd-snapshots", "corp-backups", undefined]);
  });
});

describe.each([false, true])("without etcdBackup (preview: %s)", (preview) => {
  test("no bucket, account or grant; no instance runs as a service account", async () => {
    const { recorder, cluster } = await build(preview, "gn", {});
    for (const type of [BUCKET, ACCOUNT, MEMBER]) expect(ofType(recorder, type)).toEqual([]);
    expect(Object.values(accounts(recorder)).filter((a) => a !== undefined)).toEqual([]);
    if (!preview) expect(await outputValue(cluster.etcdBackup)).toBeUndefined();
  });
});

/** [title, etcdBackup, field, exact message after "HaControlPlane bad: "]. */
const CASES: [string, unknown, string, string][] = [
  ["no destination", { createBucket: false }, "etcdBackup.bucketName", "etcdBackup.bucketName: is required with createBucket: false: the snapshots need a destination. Give the name of an existing bucket, or leave createBucket out to create one."],
  ["bucket name with a dot", { bucketName: "backups.acme.com" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "backups.acme.com" is not a valid bucket name: use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit.`],
  ["bucket name with google", { bucketName: "my-google-backups" }, "etcdBackup.bucketName", `etcdBackup.bucketName: "my-google-backups" is not a valid bucket name: names starting with "goog" or containing "google" are reserved.`],
  ["bucket name too long", { bucketName: "a".repeat(64) }, "etcdBackup.bucketName", `etcdBackup.bucketName: "${"a".repeat(64)}" is not a valid bucket name: Cloud Storage bucket names have 3 to 63 characters.`],
  ["negative retention", { retentionDays: -1 }, "etcdBackup.retentionDays", "etcdBackup.retentionDays: -1 must be a whole number of days from 1 to 36500."],
  ["retention on an existing bucket", { createBucket: false, bucketName: "corp-backups", retentionDays: 7 }, "etcdBackup.retentionDays", "etcdBackup.retentionDays: only applies to a bucket the component creates; an existing bucket keeps its own lifecycle rules. Remove it, or leave createBucket out."],
  ["key on an existing bucket", { createBucket: false, bucketName: "corp-backups", kmsKeyName: KEY }, "etcdBackup.kmsKeyName", "etcdBackup.kmsKeyName: only applies to a bucket the component creates; an existing bucket keeps its own. Remove it, or leave createBucket out."],
  ["key granted without a key", { kmsKeyGranted: true }, "etcdBackup.kmsKeyGranted", "etcdBackup.kmsKeyGranted: only applies with kmsKeyName. Remove it, or give the key."],
  ["key granted as text", { kmsKeyName: KEY, kmsKeyGranted: "yes" }, "etcdBackup.kmsKeyGranted", 'etcdBackup.kmsKeyGranted: "yes" is not a boolean. Use true or false.'],
  ["malformed key name", { kmsKeyName: "projects/acme-sec/keyRings/backups/cryptoKeys/etcd" }, "etcdBackup.kmsKeyName", `etcdBackup.kmsKeyName: "projects/acme-sec/keyRings/backups/cryptoKeys/etcd" is not a Cloud KMS key name. Give projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>.`],
  ["bad location", { bucketLocation: "europe west" }, "etcdBackup.bucketLocation", `etcdBackup.bucketLocation: "europe west" is not a Cloud Storage location. Give a region ("europe-west1"), a dual-region or a multi-region ("EU").`],
  ["bad directory", { directory: "snapshots" }, "etcdBackup.directory", `etcdBackup.directory: "snapshots" must be an absolute path of letters, digits, '.', '_', '-' and '/'.`],
  ["an rclone config of its own", { rcloneConfig: "[x]" }, "etcdBackup.rcloneConfig", "etcdBackup.rcloneConfig: is not used by the cloud components: they upload to their bucket with the machines' own identity. Give bucketName (and createBucket: false) for an existing bucket."],
];

describe.each([false, true])("bad etcdBackup throws before any child, naming the field (preview: %s)", (preview) => {
  let recorder: Recorder;
  beforeAll(async () => {
    recorder = await installGcpMocks(preview);
  });

  test.each(CASES)("%s", async (_title, etcdBackup, field, message) => {
    const { HaControlPlane } = await import("../../../src/gcp");
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
