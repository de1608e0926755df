import type * as pulumi from "@pulumi/pulumi";
import { CANONICAL_OWNER_ID } from "./image";

/** Zones the canned `getAvailabilityZones` answer lists (a region with four, like us-east-1 has six). */
export const MOCK_AWS_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

/** AMI id the canned `getAmi` answer returns. */
export const MOCK_AWS_AMI_ID = "ami-0mockubuntunoble";

/**
 * Canned answers for the invokes `HaControlPlane` makes, keyed by token, for `pulumi.runtime.setMocks`
 * (e.g. through `k8sHaMocks({ invokes: awsMockInvokes })`). Testing only.
 */
export const awsMockInvokes: Record<string, (args: Record<string, any>) => Record<string, any>> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    id: "us-east-1",
    names: [...MOCK_AWS_ZONES],
    zoneIds: MOCK_AWS_ZONES.map((_, i) => `use1-az${i + 1}`),
    groupNames: ["us-east-1"],
  }),
  "aws:ec2/getAmi:getAmi": (args) => ({
    id: MOCK_AWS_AMI_ID,
    imageId: MOCK_AWS_AMI_ID,
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101",
    ownerId: (args.owners ?? [CANONICAL_OWNER_ID])[0],
    architecture: "x86_64",
  }),
  "aws:s3/getBucket:getBucket": (args) => ({
    id: args.bucket,
    bucket: args.bucket,
    arn: `arn:aws:s3:::${args.bucket}`,
    region: MOCK_AWS_REGION,
  }),
};

/** Region of the canned answers (zones, buckets). */
export const MOCK_AWS_REGION = "us-east-1";

/** The name Pulumi would generate for a resource without an explicit one: `<resource name>-<7 characters>`. */
export function mockAutoName(resourceName: string): string {
  return `${resourceName}-${hashName(resourceName).toString(16).padStart(8, "0").slice(0, 7)}`;
}

/** A stable number from a resource name (FNV-1a), for deterministic fake addresses. */
function hashName(name: string): number {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash;
}

/**
 * Provider-computed outputs the AWS resources need under mocks, keyed by type token: instances get a
 * deterministic private IP (and a public IP when asked), the load balancer a DNS name, ARNs everywhere they are
 * read. Merge into `k8sHaMocks({ resourceState })`. Testing only.
 */
export const awsMockResourceState: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, any>> = {
  "aws:ec2/instance:Instance": (args) => {
    const hash = hashName(args.name);
    return {
      privateIp: `10.0.${hash % 250}.${10 + ((hash >>> 8) % 240)}`,
      publicIp: args.inputs.associatePublicIpAddress ? `198.51.100.${1 + (hash % 250)}` : undefined,
      arn: `arn:aws:ec2:us-east-1:123456789012:instance/${args.name}`,
    };
  },
  "aws:ec2/keyPair:KeyPair": (args) => ({ keyName: args.inputs.keyName ?? `${args.name}-key` }),
  "aws:lb/loadBalancer:LoadBalancer": (args) => ({
    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/${args.name}/0123456789abcdef`,
    dnsName: `${args.name}-0123456789abcdef.elb.us-east-1.amazonaws.com`,
  }),
  "aws:lb/targetGroup:TargetGroup": (args) => ({
    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${args.name}/0123456789abcdef`,
  }),
  "aws:s3/bucket:Bucket": (args) => {
    const bucket = args.inputs.bucket ?? mockAutoName(args.name);
    return { bucket, arn: `arn:aws:s3:::${bucket}`, region: MOCK_AWS_REGION };
  },
  "aws:iam/role:Role": (args) => {
    const name = args.inputs.name ?? mockAutoName(args.name);
    return { name, arn: `arn:aws:iam::123456789012:role/${name}` };
  },
  "aws:iam/instanceProfile:InstanceProfile": (args) => {
    const name = args.inputs.name ?? mockAutoName(args.name);
    return { name, arn: `arn:aws:iam::123456789012:instance-profile/${name}` };
  },
  "aws:lb/listener:Listener": (args) => ({
    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/${args.name}/0123456789abcdef`,
  }),
};
