import type { ResourceValidationPolicy } from "@pulumi/policy/policy";
import { configWithDefaults } from "./config";
import { INGRESS_TYPES, opensTcpPort, worldOpenings } from "./internet";

/** Configuration of {@link noAdminPortsOpenToInternet}. */
export interface AdminPortsConfig {
  /** TCP ports that must never be open to 0.0.0.0/0 or ::/0. @default [22, 2379, 2380, 10250] (SSH, etcd client, etcd peer, kubelet) */
  ports: number[];
}

const DEFAULTS: AdminPortsConfig = { ports: [22, 2379, 2380, 10250] };

/** No security group rule, security group or GCP firewall opens SSH, etcd or the kubelet to the internet. */
export const noAdminPortsOpenToInternet: ResourceValidationPolicy = {
  name: "k8s-ha-no-admin-ports-open-to-internet",
  description: "SSH (22), etcd (2379, 2380) and the kubelet (10250) are never reachable from 0.0.0.0/0 or ::/0.",
  configSchema: {
    properties: { ports: { type: "array", items: { type: "integer" }, default: DEFAULTS.ports, description: "TCP ports never open to the internet." } },
  },
  validateResource: (args, reportViolation) => {
    if (!INGRESS_TYPES.includes(args.type)) return;
    const { ports } = configWithDefaults(DEFAULTS, args.getConfig);
    for (const port of ports) {
      const opening = worldOpenings(args.type, args.props).find((candidate) => opensTcpPort(candidate, port));
      if (opening) {
        reportViolation(
          `${args.type} ${args.name} opens TCP port ${port} to ${opening.cidr}. Admit only your admin networks or ` +
            "another security group / network tag (SSH through a bastion; etcd and the kubelet only from the control planes).",
        );
      }
    }
  },
};
