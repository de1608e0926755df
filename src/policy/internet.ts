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

/** The ingress a security group rule, security group or firewall opens to 0.0.0.0/0 or ::/0 (empty for other types). */
export function worldOpenings(type: string, props: Props): WorldOpening[] {
  switch (type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return awsRule(props.ipProtocol, props.fromPort, props.toPort, [props.cidrIpv4, props.cidrIpv6]);
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return props.type === "ingress" ? awsRule(props.protocol, props.fromPort, props.toPort, [...(props.cidrBlocks ?? []), ...(props.ipv6CidrBlocks ?? [])]) : [];
    case "aws:ec2/securityGroup:SecurityGroup":
      return ((props.ingress ?? []) as Props[]).flatMap((rule) =>
        awsRule(rule.protocol, rule.fromPort, rule.toPort, [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])]),
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
  const ranges: string[] = props.sourceRanges ?? [];
  const noSource = ranges.length === 0 && (props.sourceTags ?? []).length === 0 && (props.sourceServiceAccounts ?? []).length === 0;
  const world = noSource ? ["0.0.0.0/0"] : ranges.filter((cidr) => WORLD_CIDRS.includes(cidr));
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
