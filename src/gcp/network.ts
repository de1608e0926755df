import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { gcpName, labelsOf } from "./names";
import type { GcpSettings } from "./settings";

/** The network the machines live in. */
export interface ClusterNetwork {
  /** Network (name or self link) for firewall rules and the internal load balancer. */
  network: pulumi.Output<string>;
  /** Subnetwork (name or self link) of every machine and of an internal load balancer address. */
  subnetwork: pulumi.Output<string>;
  /** Cloud NAT's reserved egress address when the component created the network, else undefined. */
  natAddress?: pulumi.Output<string>;
  /** Resources machines must wait for before they need egress (the Cloud NAT), if any. */
  egress: pulumi.Resource[];
}

/**
 * Uses the given network and subnetwork, or creates a custom-mode network, a subnetwork with Private Google
 * Access, a Cloud Router and a Cloud NAT on one reserved address (so that the private machines can install
 * packages, and so that the address is known to the firewall).
 */
export function createNetwork(name: string, settings: GcpSettings, parent: pulumi.Resource): ClusterNetwork {
  if (settings.network !== undefined && settings.subnetwork !== undefined) {
    return { network: pulumi.output(settings.network), subnetwork: pulumi.output(settings.subnetwork), egress: [] };
  }
  const clusterName = settings.cluster.clusterName;
  const opts = { parent };
  const network = new compute.Network(
    `${name}-network`,
    { name: gcpName(clusterName, "network"), autoCreateSubnetworks: false, routingMode: "REGIONAL" },
    opts,
  );
  const subnetwork = new compute.Subnetwork(
    `${name}-subnetwork`,
    {
      name: gcpName(clusterName, "subnetwork"),
      network: network.id,
      region: settings.region,
      ipCidrRange: settings.subnetCidr,
      privateIpGoogleAccess: true,
    },
    opts,
  );
  const router = new compute.Router(
    `${name}-router`,
    { name: gcpName(clusterName, "router"), network: network.id, region: settings.region },
    opts,
  );
  const natAddress = new compute.Address(
    `${name}-nat-address`,
    { name: gcpName(clusterName, "nat"), addressType: "EXTERNAL", region: settings.region, labels: labelsOf(settings) },
    opts,
  );
  const nat = new compute.RouterNat(
    `${name}-nat`,
    {
      name: gcpName(clusterName, "nat"),
      router: router.name,
      region: settings.region,
      natIpAllocateOption: "MANUAL_ONLY",
      natIps: [natAddress.selfLink],
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [{ name: subnetwork.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
    },
    opts,
  );
  return { network: network.id, subnetwork: subnetwork.id, natAddress: natAddress.address, egress: [nat] };
}
