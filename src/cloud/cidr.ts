import { canonicalCidr, coveredAddressCount, formatCidr, hasHostBits, type Ipv4Cidr, parseIpv4Cidr } from "../topology/cidr";
import { describeValue } from "../topology/describe";
import { TopologyError } from "../topology/errors";

/**
 * Parses a CIDR a cloud firewall rule, security group or network accepts: IPv4, no host bits. Throws a
 * {@link TopologyError} naming `field` (and `entry N` for list entries) otherwise.
 */
export function parseCloudCidr(value: unknown, field: string, entry = ""): Ipv4Cidr {
  const cidr = typeof value === "string" ? parseIpv4Cidr(value) : undefined;
  if (!cidr) {
    throw new TopologyError(field, `${entry}${describeValue(value)} is not an IPv4 CIDR. Write it as a.b.c.d/prefix, e.g. "203.0.113.7/32".`);
  }
  if (hasHostBits(cidr)) {
    throw new TopologyError(field, `${entry}"${value}" has host bits set. Use "${formatCidr(canonicalCidr(cidr))}".`);
  }
  return cidr;
}

/**
 * Refuses a list of source ranges (for SSH) that together cover the whole IPv4 internet, e.g. `0.0.0.0/1` plus
 * `128.0.0.0/1`: the same as `0.0.0.0/0`, which each entry's own check refuses.
 */
export function refuseWholeInternet(cidrs: Ipv4Cidr[], field: string): void {
  if (coveredAddressCount(cidrs) >= 2 ** 32) {
    throw new TopologyError(field, `${cidrs.map(formatCidr).join(", ")} together cover the whole internet, which opens SSH to everyone. Give the ranges you administer from, e.g. ["203.0.113.7/32"].`);
  }
}
