import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import { renderNodeCloudInit } from "../bootstrap/cloudInit";
import type { PlannedNode } from "../topology/types";

/** Instance metadata service: IMDSv2 only (session tokens), one hop so pod containers cannot reach it. */
export const METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/** Properties never changed in place by default: a new AMI or user data would replace every machine at once. */
export const IMAGE_PROPERTIES = ["ami", "userData"];

/** What every machine shares. */
export interface MachineContext {
  /** Component name, prefix of every child name. */
  name: string;
  /** Cluster name, for tags. */
  clusterName: string;
  /** Kubernetes version the cloud-init installs. */
  kubernetesVersion: string;
  /** The AMI. */
  image: pulumi.Input<string>;
  /** EC2 key pair name. */
  keyName: pulumi.Input<string>;
  /** Root volume size in GiB. */
  rootVolumeSizeGiB: number;
  /** KMS key of the root volumes (undefined: the account's default EBS key). */
  rootVolumeKmsKeyId?: pulumi.Input<string>;
  /** Whether image/user-data changes replace the machine (`replaceOnImageChange`, or the node is in `rollNodes`). */
  followsImage: (nodeName: string) => boolean;
  /** Tags for a resource given its `Name` tag. */
  tags: (resourceName: string) => Record<string, string>;
  /** Parent of every child. */
  parent: pulumi.Resource;
}

/** Where one planned machine goes and what it is. */
export interface MachinePlacement {
  /** The planned node. */
  node: PlannedNode;
  /** Its private subnet (in the node's zone). */
  subnetId: pulumi.Input<string>;
  /** Instance type. */
  instanceType: string;
  /** Its security group. */
  securityGroupId: pulumi.Input<string>;
  /** Resources to wait for before booting (the zone's NAT route). */
  dependsOn: pulumi.Resource[];
  /** Instance profile (the etcd voters' snapshot writer role). @default none */
  instanceProfile?: pulumi.Input<string>;
}

/**
 * One cluster machine: private subnet of its zone, encrypted gp3 root volume, IMDSv2 required, user data =
 * the core's cloud-init (packages only: no key, token or certificate), tagged as owned by the cluster.
 */
export function clusterMachine(ctx: MachineContext, placement: MachinePlacement): ec2.Instance {
  const { node } = placement;
  const resourceName = `${ctx.name}-${node.name}`;
  return new ec2.Instance(
    resourceName,
    {
      ami: ctx.image,
      instanceType: placement.instanceType,
      // The planned zone as well as its subnet: EC2 refuses a subnet of another zone instead of booting it there.
      availabilityZone: node.zone,
      subnetId: placement.subnetId,
      vpcSecurityGroupIds: [placement.securityGroupId],
      keyName: ctx.keyName,
      iamInstanceProfile: placement.instanceProfile,
      associatePublicIpAddress: false,
      metadataOptions: METADATA_OPTIONS,
      rootBlockDevice: rootVolume(ctx.rootVolumeSizeGiB, ctx.rootVolumeKmsKeyId),
      userData: renderNodeCloudInit({ role: node.role, kubernetesVersion: ctx.kubernetesVersion, hostname: node.name }),
      userDataReplaceOnChange: true,
      tags: {
        ...ctx.tags(`${ctx.clusterName}-${node.name}`),
        "pulumi-k8s-ha/node": node.name,
        "pulumi-k8s-ha/role": node.role,
      },
      volumeTags: ctx.tags(`${ctx.clusterName}-${node.name}`),
    },
    { parent: ctx.parent, dependsOn: placement.dependsOn, ignoreChanges: ctx.followsImage(node.name) ? [] : IMAGE_PROPERTIES },
  );
}

/** The bastion: smallest useful machine in a public subnet with a public IP, same hardening, no user data. */
export function bastionMachine(
  ctx: MachineContext,
  subnetId: pulumi.Input<string>,
  instanceType: string,
  securityGroupId: pulumi.Input<string>,
): ec2.Instance {
  return new ec2.Instance(
    `${ctx.name}-bastion`,
    {
      ami: ctx.image,
      instanceType,
      subnetId,
      vpcSecurityGroupIds: [securityGroupId],
      keyName: ctx.keyName,
      associatePublicIpAddress: true,
      metadataOptions: METADATA_OPTIONS,
      rootBlockDevice: rootVolume(10, ctx.rootVolumeKmsKeyId),
      tags: { ...ctx.tags(`${ctx.clusterName}-bastion`), "pulumi-k8s-ha/role": "bastion" },
      volumeTags: ctx.tags(`${ctx.clusterName}-bastion`),
    },
    { parent: ctx.parent, ignoreChanges: ctx.followsImage("bastion") ? [] : IMAGE_PROPERTIES },
  );
}

/** Encrypted gp3 root volume, deleted with the instance. */
function rootVolume(sizeGiB: number, kmsKeyId: pulumi.Input<string> | undefined) {
  return { volumeType: "gp3", volumeSize: sizeGiB, encrypted: true, kmsKeyId, deleteOnTermination: true };
}
