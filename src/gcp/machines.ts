import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { renderNodeCloudInit } from "../bootstrap/cloudInit";
import type { CloudMachine } from "../cloud/machines";
import type { PlannedNode } from "../topology/types";
import { instanceMetadata, SHIELDED_VM, USER_DATA_KEY } from "./metadata";
import { type ClusterTags, gcpName, labelsOf, roleTag } from "./names";
import type { GcpSettings } from "./settings";

/**
 * Properties of a machine that are not applied to a running cluster unless the node is rolled. A service account
 * change stops the machine: applied to every voter at once it would lose etcd quorum.
 */
export const HELD_PROPERTIES = ["bootDisk.initializeParams.image", `metadata["${USER_DATA_KEY}"]`, "machineType", "serviceAccount"];

/**
 * A cluster machine; its `address` is a static internal address (kept across replacements, so etcd peer URLs
 * and certificates stay valid).
 */
export interface ClusterMachine extends CloudMachine {
  /** The VM. */
  instance: compute.Instance;
}

/** What every machine shares. */
export interface MachineInputs {
  /** Network tags. */
  tags: ClusterTags;
  /** Subnetwork of every machine. */
  subnetwork: pulumi.Input<string>;
  /** Boot image. */
  image: pulumi.Input<string>;
  /** The login key's public half. */
  publicKey: pulumi.Input<string>;
  /** Resources to create first (Cloud NAT for package installs, firewall rules). */
  dependsOn: pulumi.Resource[];
  /** Service account of the etcd voters (the snapshot writer), with the Cloud Storage scope. @default none */
  voterServiceAccount?: { email: pulumi.Input<string>; scopes: string[] };
}

/**
 * One shielded VM per planned node in its planned zone, with no external address, a static internal address,
 * and cloud-init from the core in the `user-data` metadata key. Image, user-data and machine type changes are
 * held back (`ignoreChanges`) unless the node is in `rollNodes` or `replaceOnImageChange` is set, so that
 * Pulumi never replaces every control plane at once.
 */
export function createMachines(name: string, settings: GcpSettings, nodes: PlannedNode[], inputs: MachineInputs, parent: pulumi.Resource): ClusterMachine[] {
  const clusterName = settings.cluster.clusterName;
  const voterRole = settings.etcdTopology === "stacked" ? "control-plane" : "etcd";
  const labels = labelsOf(settings);
  return nodes.map((node) => {
    const address = new compute.Address(
      `${name}-${node.name}-ip`,
      {
        name: gcpName(clusterName, `${node.name}-ip`),
        addressType: "INTERNAL",
        subnetwork: inputs.subnetwork,
        region: settings.region,
        labels,
      },
      { parent },
    );
    const rolled = settings.replaceOnImageChange || settings.rollNodes.includes(node.name);
    const instance = new compute.Instance(
      `${name}-${node.name}`,
      {
        name: gcpName(clusterName, node.name),
        zone: node.zone,
        machineType: node.role === "control-plane" ? settings.controlPlaneMachineType : settings.etcdMachineType,
        tags: [roleTag(inputs.tags, node.role)],
        labels: { ...labels, "k8s-ha-role": node.role },
        bootDisk: {
          autoDelete: true,
          initializeParams: { image: inputs.image, size: settings.bootDiskSizeGiB, type: "pd-balanced", labels },
        },
        networkInterfaces: [{ subnetwork: inputs.subnetwork, networkIp: address.address }],
        shieldedInstanceConfig: SHIELDED_VM,
        metadata: instanceMetadata(
          settings.sshUser,
          inputs.publicKey,
          renderNodeCloudInit({ role: node.role, kubernetesVersion: settings.cluster.kubernetesVersion }),
        ),
        allowStoppingForUpdate: true,
        canIpForward: false,
        serviceAccount: node.role === voterRole ? inputs.voterServiceAccount : undefined,
      },
      {
        parent,
        dependsOn: inputs.dependsOn,
        deleteBeforeReplace: true,
        ...(rolled ? { replaceOnChanges: [`metadata["${USER_DATA_KEY}"]`] } : { ignoreChanges: HELD_PROPERTIES }),
      },
    );
    return { node, instance, machine: instance, address: address.address, zone: instance.zone };
  });
}
