import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { instanceMetadata, SHIELDED_VM } from "./metadata";
import { type ClusterTags, gcpName, labelsOf } from "./names";
import type { GcpSettings } from "./settings";

/** The bastion VM and its public address. */
export interface Bastion {
  /** The VM. */
  instance: compute.Instance;
  /** Its static public address (the program's SSH proxy). */
  publicAddress: pulumi.Output<string>;
}

/**
 * A small shielded VM with a static public address in the first zone, reachable on SSH from `adminCidrs`
 * only; the program reaches the private machines through it (`connection.proxy`).
 */
export function createBastion(
  name: string,
  settings: GcpSettings,
  zone: string,
  inputs: { tags: ClusterTags; subnetwork: pulumi.Input<string>; image: pulumi.Input<string>; publicKey: pulumi.Input<string> },
  parent: pulumi.Resource,
): Bastion {
  const clusterName = settings.cluster.clusterName;
  const labels = labelsOf(settings);
  const address = new compute.Address(
    `${name}-bastion-address`,
    { name: gcpName(clusterName, "bastion"), addressType: "EXTERNAL", region: settings.region, labels },
    { parent },
  );
  const instance = new compute.Instance(
    `${name}-bastion`,
    {
      name: gcpName(clusterName, "bastion"),
      zone,
      machineType: settings.bastionMachineType,
      tags: [inputs.tags.bastion],
      labels: { ...labels, "k8s-ha-role": "bastion" },
      bootDisk: { autoDelete: true, initializeParams: { image: inputs.image, size: 10, type: "pd-balanced", labels } },
      networkInterfaces: [{ subnetwork: inputs.subnetwork, accessConfigs: [{ natIp: address.address }] }],
      shieldedInstanceConfig: SHIELDED_VM,
      metadata: instanceMetadata(settings.sshUser, inputs.publicKey),
      allowStoppingForUpdate: true,
    },
    { parent, deleteBeforeReplace: true, ignoreChanges: ["bootDisk.initializeParams.image"] },
  );
  return { instance, publicAddress: address.address };
}
