import { getAmiOutput } from "@pulumi/aws/ec2/getAmi";
import * as pulumi from "@pulumi/pulumi";

/** Canonical's AWS account: the only owner trusted for the default image. */
export const CANONICAL_OWNER_ID = "099720109477";

/** Name pattern of Ubuntu 24.04 LTS (noble) amd64 server images on gp3 volumes. */
export const UBUNTU_NOBLE_NAME_PATTERN = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";

/**
 * The AMI of every machine: the given one, or the most recent Canonical Ubuntu 24.04 LTS image. The lookup
 * moves as Canonical publishes images; instances ignore AMI changes unless told (see `rollNodes`).
 */
export function clusterImage(imageId: pulumi.Input<string> | undefined, parent: pulumi.Resource): pulumi.Output<string> {
  if (imageId !== undefined) return pulumi.output(imageId);
  return getAmiOutput(
    {
      owners: [CANONICAL_OWNER_ID],
      mostRecent: true,
      filters: [
        { name: "name", values: [UBUNTU_NOBLE_NAME_PATTERN] },
        { name: "architecture", values: ["x86_64"] },
        { name: "virtualization-type", values: ["hvm"] },
        { name: "root-device-type", values: ["ebs"] },
      ],
    },
    { parent },
  ).id;
}
