/** An IPv4 range: `address` as written (host bits may be set) and the prefix length. */
export interface Ipv4Cidr {
  /** The address part as an unsigned 32-bit integer. */
  address: number;
  /** Prefix length, 0-32. */
  prefix: number;
}

/** Dotted decimal octet without leading zeros (they read as octal to some tools). */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(3[0-2]|[12]?\\d)$`);

/** Parses `a.b.c.d/p`; undefined when it is not an IPv4 CIDR. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = CIDR.exec(text);
  if (!match) return undefined;
  const [a, b, c, d] = match.slice(1, 5).map(Number);
  return { address: (((a << 24) | (b << 16) | (c << 8) | d) >>> 0), prefix: Number(match[5]) };
}

/** Network mask of a prefix length as an unsigned 32-bit integer. */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The range with host bits cleared. */
export function canonicalCidr(cidr: Ipv4Cidr): Ipv4Cidr {
  return { address: (cidr.address & mask(cidr.prefix)) >>> 0, prefix: cidr.prefix };
}

/** Whether the address has bits set below the prefix (e.g. `10.244.1.0/16`). */
export function hasHostBits(cidr: Ipv4Cidr): boolean {
  return canonicalCidr(cidr).address !== cidr.address;
}

/** Dotted decimal form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".");
}

/** `a.b.c.d/p` form. */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.address)}/${cidr.prefix}`;
}

/** Whether two ranges share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const common = mask(Math.min(a.prefix, b.prefix));
  return ((a.address & common) >>> 0) === ((b.address & common) >>> 0);
}

/** First usable address: network + 1, or the network address itself for /31 and /32 (RFC 3021). */
export function firstHost(cidr: Ipv4Cidr): string {
  const network = canonicalCidr(cidr).address;
  return formatIpv4(cidr.prefix >= 31 ? network : network + 1);
}

/** How many addresses the ranges cover together (overlaps counted once); 2^32 is the whole IPv4 internet. */
export function coveredAddressCount(cidrs: Ipv4Cidr[]): number {
  const ranges = cidrs
    .map((cidr) => ({ start: canonicalCidr(cidr).address, end: canonicalCidr(cidr).address + 2 ** (32 - cidr.prefix) }))
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reached = 0;
  for (const { start, end } of ranges) {
    if (end > reached) covered += end - Math.max(start, reached);
    reached = Math.max(reached, end);
  }
  return covered;
}
