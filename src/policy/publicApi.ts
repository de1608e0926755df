import type { ResourceValidationPolicy } from "@pulumi/policy/policy";
import { configWithDefaults } from "./config";
import { INGRESS_TYPES, opensTcpPort, worldOpenings } from "./internet";

/** Configuration of {@link apiOpenToInternetOnlyWhenAllowed}. */
export interface PublicApiConfig {
  /** Set `true` to say the Kubernetes API may be reached from 0.0.0.0/0 or ::/0 (e.g. `apiAllowedCidrs: ["0.0.0.0/0"]` on purpose). @default false */
  allowPublicApi: boolean;
  /** TCP port of the Kubernetes API (the components' `apiServerPort`). @default 6443 */
  apiServerPort: number;
}

const DEFAULTS: PublicApiConfig = { allowPublicApi: false, apiServerPort: 6443 };

/** The Kubernetes API is open to the internet only when the policy configuration says `allowPublicApi: true`. */
export const apiOpenToInternetOnlyWhenAllowed: ResourceValidationPolicy = {
  name: "k8s-ha-api-open-to-internet-only-when-allowed",
  description: "The Kubernetes API port (6443) is reachable from 0.0.0.0/0 or ::/0 only when the policy config sets allowPublicApi: true.",
  configSchema: {
    properties: {
      allowPublicApi: { type: "boolean", default: DEFAULTS.allowPublicApi, description: "Whether the API may be open to the internet." },
      apiServerPort: { type: "integer", default: DEFAULTS.apiServerPort, description: "TCP port of the Kubernetes API." },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!INGRESS_TYPES.includes(args.type)) return;
    const config = configWithDefaults(DEFAULTS, args.getConfig);
    if (config.allowPublicApi) return;
    const opening = worldOpenings(args.type, args.props).find((candidate) => opensTcpPort(candidate, config.apiServerPort));
    if (opening) {
      reportViolation(
        `${args.type} ${args.name} opens the Kubernetes API (TCP ${config.apiServerPort}) to ${opening.cidr}. ` +
          "List your networks in apiAllowedCidrs, or, if the API is meant to be public, set allowPublicApi: true for " +
          `policy k8s-ha-api-open-to-internet-only-when-allowed in the policy config.`,
      );
    }
  },
};
