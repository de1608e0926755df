import { canonicalCidr, cidrsOverlap, firstHost, formatCidr, hasHostBits, type Ipv4Cidr, parseIpv4Cidr } from "./cidr";
import { describeValue } from "./describe";
import { TopologyError } from "./errors";
import type { ClusterSettings, ClusterSettingsArgs } from "./types";
import { parseKubernetesVersion } from "./version";

/** Defaults of {@link ClusterSettingsArgs}. */
const DEFAULTS = {
  kubernetesVersion: "1.34.2",
  podSubnet: "10.244.0.0/16",
  serviceSubnet: "10.96.0.0/12",
  apiServerPort: 6443,
};

/** Longest cluster name: leaves room for suffixes such as `-cp-0-nlb` in cloud resource names. */
const MAX_CLUSTER_NAME = 40;
const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** A range with the argument it came from, for overlap messages. */
interface NamedCidr {
  /** The argument, e.g. `podSubnet`. */
  field: string;
  /** `entry 2 ` for a list entry, else empty. */
  entry: string;
  /** The range. */
  cidr: Ipv4Cidr;
}

/**
 * Validates cluster-wide settings and fills defaults: name, Kubernetes version, pod/service/node subnets
 * (valid, canonical, within bounds, not overlapping) and API server port. Pure; throws a {@link TopologyError}
 * naming the argument at fault.
 */
export function validateClusterSettings(args: ClusterSettingsArgs): ClusterSettings {
  const clusterName = validateClusterName(args.clusterName);
  const version = parseKubernetesVersion(args.kubernetesVersion ?? DEFAULTS.kubernetesVersion, "kubernetesVersion");
  const pod = parseSubnet(args.podSubnet ?? DEFAULTS.podSubnet, "podSubnet", "", 8, 24);
  const service = parseSubnet(args.serviceSubnet ?? DEFAULTS.serviceSubnet, "serviceSubnet", "", 12, 24);
  const nodes = parseNodeSubnets(args.nodeSubnets ?? []);
  const apiServerPort = validatePort(args.apiServerPort ?? DEFAULTS.apiServerPort);

  const named: NamedCidr[] = [
    { field: "podSubnet", entry: "", cidr: pod },
    { field: "serviceSubnet", entry: "", cidr: service },
    ...nodes.map((cidr, index) => ({ field: "nodeSubnets", entry: `entry ${index} `, cidr })),
  ];
  named.forEach((later, i) => {
    for (const earlier of named.slice(0, i)) {
      if (cidrsOverlap(earlier.cidr, later.cidr)) {
        throw new TopologyError(
          later.field,
          `${later.entry}"${formatCidr(later.cidr)}" overlaps ${earlier.field} ${earlier.entry}"${formatCidr(earlier.cidr)}". ` +
            "Choose ranges that share no address.",
        );
      }
    }
  });

  return {
    clusterName,
    kubernetesVersion: version.version,
    kubernetesMinor: version.minor,
    podSubnet: formatCidr(pod),
    serviceSubnet: formatCidr(service),
    nodeSubnets: nodes.map(formatCidr),
    apiServerPort,
    kubernetesApiServiceIp: firstHost(service),
  };
}

/** Throws unless the name is a DNS-1123 label starting with a letter and at most 40 characters. */
function validateClusterName(value: unknown): string {
  if (typeof value !== "string" || !DNS_LABEL.test(value)) {
    throw new TopologyError(
      "clusterName",
      `${describeValue(value)} is not a valid name. Use lowercase letters, digits and dashes, starting with a letter ` +
        "and ending with a letter or digit.",
    );
  }
  if (value.length > MAX_CLUSTER_NAME) {
    throw new TopologyError(
      "clusterName",
      `"${value}" is ${value.length} characters long; at most ${MAX_CLUSTER_NAME} leave room for suffixes. Use a shorter name.`,
    );
  }
  return value;
}

/** Parses a subnet: an IPv4 CIDR without host bits and a prefix within [minPrefix, maxPrefix]. */
function parseSubnet(value: unknown, field: string, entry: string, minPrefix: number, maxPrefix: number): Ipv4Cidr {
  const cidr = typeof value === "string" ? parseIpv4Cidr(value) : undefined;
  if (!cidr) {
    throw new TopologyError(field, `${entry}${describeValue(value)} is not an IPv4 CIDR. Write it as a.b.c.d/prefix, e.g. "10.0.0.0/16".`);
  }
  if (hasHostBits(cidr)) {
    throw new TopologyError(field, `${entry}"${value}" has host bits set. Use the canonical form "${formatCidr(canonicalCidr(cidr))}".`);
  }
  if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
    const size = cidr.prefix < minPrefix ? "too large" : "too small";
    throw new TopologyError(field, `${entry}"${value}" is ${size}. Use a prefix between /${minPrefix} and /${maxPrefix}.`);
  }
  return cidr;
}

/** Node subnets: a list of IPv4 CIDRs, each /8 to /29. */
function parseNodeSubnets(value: unknown): Ipv4Cidr[] {
  if (!Array.isArray(value)) {
    throw new TopologyError("nodeSubnets", `${describeValue(value)} is not a list. Give a list of IPv4 CIDRs, e.g. ["10.0.0.0/24"].`);
  }
  return value.map((subnet: unknown, index) => parseSubnet(subnet, "nodeSubnets", `entry ${index} `, 8, 29));
}

/** Throws unless the port is an integer 1-65535. */
function validatePort(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new TopologyError("apiServerPort", `${describeValue(value)} is not a TCP port. Use an integer from 1 to 65535.`);
  }
  return value;
}
