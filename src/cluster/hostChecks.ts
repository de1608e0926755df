import { requireArgument } from "./argumentError";
import type { ClusterHost } from "./types";

const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Host names become node and etcd member names: each must be a DNS label and unique. */
export function requireDistinctHostNames(context: string, hosts: ClusterHost[], field: string): void {
  const seen = new Set<string>();
  hosts.forEach((host, index) => {
    requireArgument(
      typeof host.name === "string" && NODE_NAME.test(host.name),
      context,
      `${field}[${index}].name`,
      `${JSON.stringify(host.name)} is not a DNS label (lowercase letters, digits and '-', at most 63). Use e.g. "cp-${index}".`,
    );
    requireArgument(!seen.has(host.name), context, `${field}[${index}].name`, `"${host.name}" is used twice. Give every host its own name.`);
    seen.add(host.name);
  });
}
