import { readKnown } from "./config";

/** The source ranges that mean "the whole internet". */
export const WORLD_CIDRS = ["0.0.0.0/0", "::/0"];

/** One ingress permission open to the internet: a protocol and an inclusive port range. */
export interface WorldOpening {
  /** `tcp`, `udp`, `all`, ... as the resource says it (lower case); `all` for AWS `-1` / GCP `all`. */
  protocol: string;
  /** First port. */
  from: number;
  /** Last port. */
  to: number;
  /** The world range admitted. */
  cidr: string;
}

/** Resource types whose ingress {@link worldOpenings} understands. */
export const INGRESS_TYPES = [
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
  "aws:ec2/securityGroup:SecurityGroup",
  "gcp:compute/firewall:Firewall",
];

type Props = Record<string, any>;

/**
 * The known elements of an input list, or of several scalar inputs: in a preview an element computed from another
 * resource (a NAT address) is unknown and skipped; `pulumi up` registers the resource, and runs the rule, once it is known.
 */
function knownValues(read: () => unknown): unknown[] {
  const value = readKnown(read, undefined);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [value];
  const known: unknown[] = [];
  for (let i = 0; i < value.length; i++) known.push(...knownValues(() => value[i]));
  return known;
}

/** The ingress a security group rule, security group or firewall opens to 0.0.0.0/0 or ::/0 (empty for other types). */
export function worldOpenings(type: string, props: Props): WorldOpening[] {
  switch (type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return awsRule(props.ipProtocol, props.fromPort, props.toPort, [...knownValues(() => props.cidrIpv4), ...knownValues(() => props.cidrIpv6)]);
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return props.type === "ingress" ? awsRule(props.protocol, props.fromPort, props.toPort, [...knownValues(() => props.cidrBlocks), ...knownValues(() => props.ipv6CidrBlocks)]) : [];
    case "aws:ec2/securityGroup:SecurityGroup":
      return ((props.ingress ?? []) as Props[]).flatMap((rule) =>
        awsRule(rule.protocol, rule.fromPort, rule.toPort, [...knownValues(() => rule.cidrBlocks), ...knownValues(() => rule.ipv6CidrBlocks)]),
      );
    case "gcp:compute/firewall:Firewall":
      return gcpFirewall(props);
    default:
      return [];
  }
}

/** Whether an opening admits TCP on `port`. */
export function opensTcpPort(opening: WorldOpening, port: number): boolean {
  return (opening.protocol === "tcp" || opening.protocol === "all") && opening.from <= port && port <= opening.to;
}

/** AWS: protocol `-1` (or `all`) is every port; otherwise `fromPort`..`toPort`. */
function awsRule(protocol: unknown, fromPort: unknown, toPort: unknown, cidrs: unknown[]): WorldOpening[] {
  const world = cidrs.filter((cidr): cidr is string => typeof cidr === "string" && WORLD_CIDRS.includes(cidr));
  const name = String(protocol ?? "").toLowerCase();
  const all = name === "-1" || name === "all";
  const range = all ? { from: 0, to: 65535 } : { from: Number(fromPort ?? 0), to: Number(toPort ?? fromPort ?? 65535) };
  const normalized = all ? "all" : name === "6" ? "tcp" : name === "17" ? "udp" : name;
  return world.map((cidr) => ({ protocol: normalized, ...range, cidr }));
}

/**
 * GCP: an ingress firewall (the default direction) whose `sourceRanges` hold a world range, or that has no source at
 * all (no ranges, tags or service accounts: GCP then admits 0.0.0.0/0). A rule without `ports` allows every port.
 */
function gcpFirewall(props: Props): WorldOpening[] {
  if (props.direction !== undefined && props.direction !== "INGRESS") return [];
  if (props.disabled === true) return [];
  const ranges = knownValues(() => props.sourceRanges);
  // a list that is unknown, or holds only unknown values, is still a source
  const given = (read: () => unknown) => readKnown(() => { const list = read(); return Array.isArray(list) && list.length > 0; }, true);
  const noSource = !given(() => props.sourceRanges) && !given(() => props.sourceTags) && !given(() => props.sourceServiceAccounts);
  const world = noSource ? ["0.0.0.0/0"] : ranges.filter((cidr): cidr is string => typeof cidr === "string" && WORLD_CIDRS.includes(cidr));
  return ((props.allows ?? []) as Props[]).flatMap((allow) => {
    const protocol = String(allow.protocol ?? "").toLowerCase();
    const normalized = protocol === "all" ? "all" : protocol === "6" ? "tcp" : protocol;
    const ports: string[] = allow.ports && allow.ports.length > 0 ? allow.ports : ["0-65535"];
    return ports.flatMap((port) => {
      const [from, to] = String(port).split("-").map(Number);
      return world.map((cidr) => ({ protocol: normalized, from, to: to ?? from, cidr }));
    });
  });
}
