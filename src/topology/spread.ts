import type { NodeRole, PlannedNode } from "./types";

/** Name prefix of each role's machines: `cp-0`, `etcd-0`. */
const PREFIX: Record<NodeRole, string> = { "control-plane": "cp", etcd: "etcd" };

/** Places `count` machines of one role round-robin over `zones`, starting at the first zone. */
export function spreadRole(role: NodeRole, count: number, zones: string[], etcdVoter: boolean): PlannedNode[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${PREFIX[role]}-${index}`,
    role,
    zone: zones[index % zones.length],
    index,
    etcdVoter,
  }));
}

/**
 * Warning when `count` machines cannot spread evenly over `zones` (some zones get one more), e.g.
 * `controlPlaneCount: 5 control planes do not divide evenly over 3 zones (a: 2, b: 2, c: 1).`
 */
export function unevenSpreadWarning(nodes: PlannedNode[], zones: string[], field: string, noun: string): string[] {
  if (nodes.length <= zones.length || nodes.length % zones.length === 0) return [];
  const spread = zones.map((zone) => `${zone}: ${nodes.filter((node) => node.zone === zone).length}`).join(", ");
  return [`${field}: ${nodes.length} ${noun}s do not divide evenly over ${zones.length} zones (${spread}).`];
}
