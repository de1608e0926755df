import type { ResourceValidationPolicy } from "@pulumi/policy/policy";
import { configWithDefaults, readKnown } from "./config";

/** Configuration of {@link volumesEncrypted}. */
export interface EncryptedVolumesConfig {
  /**
   * Also require a customer-managed Cloud KMS key (CMEK) on GCP disks. GCP encrypts every disk with a Google-managed
   * key anyway, so without this the rule checks AWS only. @default false
   */
  gcpRequireCustomerManagedKey: boolean;
}

const DEFAULTS: EncryptedVolumesConfig = { gcpRequireCustomerManagedKey: false };

type Props = Record<string, any>;

/** A volume of a resource that is not encrypted as required: where it is in the resource's inputs and how to fix it. */
interface Finding {
  /** Path of the volume in the inputs, e.g. `rootBlockDevice`. */
  where: string;
  /** What to set. */
  fix: string;
}

const AWS_FIX = "set encrypted: true (with kmsKeyId for your own KMS key); an account's EBS encryption-by-default is not visible to a policy";
const GCP_FIX = "set kmsKeySelfLink (or diskEncryptionKey.kmsKeySelfLink) to your Cloud KMS key";

/** AWS EBS volumes (instance root and block devices, launch templates, volumes) are encrypted; optionally GCP disks use CMEK. */
export const volumesEncrypted: ResourceValidationPolicy = {
  name: "k8s-ha-volumes-encrypted",
  description: "EBS volumes (instance root and block devices, launch templates, ebs.Volume) are encrypted; with gcpRequireCustomerManagedKey, GCP disks use a Cloud KMS key.",
  configSchema: {
    properties: {
      gcpRequireCustomerManagedKey: { type: "boolean", default: DEFAULTS.gcpRequireCustomerManagedKey, description: "Require CMEK on GCP disks." },
    },
  },
  validateResource: (args, reportViolation) => {
    const config = configWithDefaults(DEFAULTS, args.getConfig);
    for (const finding of findings(args.type, args.props, config)) {
      reportViolation(`${args.type} ${args.name}: ${finding.where} is not encrypted as required; ${finding.fix}.`);
    }
  },
};

/** The volumes of one resource that break the rule. */
function findings(type: string, props: Props, config: EncryptedVolumesConfig): Finding[] {
  switch (type) {
    case "aws:ec2/instance:Instance":
      return [
        ...(isTrue(props.rootBlockDevice?.encrypted) ? [] : [{ where: "rootBlockDevice", fix: AWS_FIX }]),
        ...list(props.ebsBlockDevices).flatMap((device, i) => (isTrue(device.encrypted) ? [] : [{ where: `ebsBlockDevices[${i}]`, fix: AWS_FIX }])),
      ];
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return list(props.blockDeviceMappings).flatMap((mapping, i) =>
        mapping.ebs === undefined || isTrue(mapping.ebs.encrypted) ? [] : [{ where: `blockDeviceMappings[${i}].ebs`, fix: AWS_FIX }],
      );
    case "aws:ebs/volume:Volume":
      return isTrue(props.encrypted) ? [] : [{ where: "the volume", fix: AWS_FIX }];
    default:
      return config.gcpRequireCustomerManagedKey ? gcpFindings(type, props) : [];
  }
}

/** GCP disks without a customer-managed key. */
function gcpFindings(type: string, props: Props): Finding[] {
  switch (type) {
    case "gcp:compute/instance:Instance":
      return [
        ...(hasKey(() => props.bootDisk?.kmsKeySelfLink) ? [] : [{ where: "bootDisk", fix: GCP_FIX }]),
        ...list(props.attachedDisks).flatMap((disk, i) => (hasKey(() => disk.kmsKeySelfLink) ? [] : [{ where: `attachedDisks[${i}]`, fix: GCP_FIX }])),
      ];
    case "gcp:compute/disk:Disk":
      return hasKey(() => props.diskEncryptionKey?.kmsKeySelfLink) ? [] : [{ where: "the disk (diskEncryptionKey)", fix: GCP_FIX }];
    case "gcp:compute/instanceTemplate:InstanceTemplate":
    case "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate":
      return list(props.disks).flatMap((disk, i) => (hasKey(() => disk.diskEncryptionKey?.kmsKeySelfLink) ? [] : [{ where: `disks[${i}].diskEncryptionKey`, fix: GCP_FIX }]));
    default:
      return [];
  }
}

/** Whether a Cloud KMS key is given; one computed from another resource (unknown in a preview) counts as given. */
function hasKey(read: () => unknown): boolean {
  return readKnown(() => Boolean(read()), true);
}

/** `true`, or the string `"true"` launch templates use. */
function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** An array input, or none. */
function list(value: unknown): Props[] {
  return Array.isArray(value) ? (value as Props[]) : [];
}
