import { formatCidr, type Ipv4Cidr } from "../topology/cidr";

/** The `index`-th sub-range with `newBits` more prefix bits, like Terraform's `cidrsubnet`. */
export function subnetCidr(parent: Ipv4Cidr, newBits: number, index: number): string {
  const prefix = parent.prefix + newBits;
  if (prefix > 32 || !Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
    throw new RangeError(`cannot take sub-range ${index} of a /${parent.prefix} with ${newBits} more bits`);
  }
  return formatCidr({ address: parent.address + index * 2 ** (32 - prefix), prefix });
}
