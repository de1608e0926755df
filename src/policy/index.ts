/**
 * Entry `pulumi-k8s-ha/policy`: a policy pack guarding stacks built with this library (and any other AWS / GCP
 * resources in them). Needs the optional peer `@pulumi/policy`; nothing else in the library loads it.
 *
 * A pack directory's `index.ts` is one line: `createPolicyPack();`. Every rule is advisory unless the policy config
 * file (`pulumi preview --policy-pack <dir> --policy-pack-config <file>`) says otherwise, e.g. `{ "all": "mandatory" }`.
 *
 * Every file imports `@pulumi/policy/policy`, not the package's index: the index's declarations (1.21.0) re-export two
 * members its `proxy.d.ts` leaves out, which fails the type check of a project that checks libraries
 * (`skipLibCheck: false`).
 */
import { type EnforcementLevel, type Policies, PolicyPack, type PolicyPackConfig } from "@pulumi/policy/policy";
import { noAdminPortsOpenToInternet } from "./adminPorts";
import { certificatesNotExpiring } from "./certificates";
import { volumesEncrypted } from "./encryptedVolumes";
import { etcdQuorumZoneSafe } from "./etcdQuorum";
import { imdsv2Required } from "./imdsv2";
import { productionEtcdBackups } from "./productionBackups";
import { apiOpenToInternetOnlyWhenAllowed } from "./publicApi";

export { noAdminPortsOpenToInternet, type AdminPortsConfig } from "./adminPorts";
export { certificatesNotExpiring, type CertificatesConfig } from "./certificates";
export { volumesEncrypted, type EncryptedVolumesConfig } from "./encryptedVolumes";
export { etcdQuorumZoneSafe, type EtcdQuorumConfig } from "./etcdQuorum";
export { imdsv2Required } from "./imdsv2";
export { productionEtcdBackups, type ProductionBackupsConfig } from "./productionBackups";
export { apiOpenToInternetOnlyWhenAllowed, type PublicApiConfig } from "./publicApi";

/** Every rule of the pack, in the order they are reported. */
export const k8sHaPolicies: Policies = [
  etcdQuorumZoneSafe,
  noAdminPortsOpenToInternet,
  apiOpenToInternetOnlyWhenAllowed,
  volumesEncrypted,
  imdsv2Required,
  productionEtcdBackups,
  certificatesNotExpiring,
];

/** Options of {@link createPolicyPack}. */
export interface K8sHaPolicyPackOptions {
  /** Name of the pack as the CLI reports it. @default "pulumi-k8s-ha" */
  name?: string;
  /** Enforcement level of every rule unless the policy config file sets one. @default "advisory" */
  enforcementLevel?: EnforcementLevel;
  /** Initial policy config (enforcement levels and rule settings), overridden by the policy config file. @default {} */
  config?: PolicyPackConfig;
}

/**
 * Serves the pack to the Pulumi CLI: call it once in a policy pack program (it starts the analyzer's gRPC server, so
 * never in a stack program or a test). Reads the version from the pack directory's `package.json`.
 */
export function createPolicyPack(options: K8sHaPolicyPackOptions = {}): PolicyPack {
  return new PolicyPack(
    options.name ?? "pulumi-k8s-ha",
    {
      description: "Guards pulumi-k8s-ha clusters: etcd quorum, network exposure, encryption, IMDSv2, backups, certificates.",
      enforcementLevel: options.enforcementLevel ?? "advisory",
      policies: k8sHaPolicies,
    },
    options.config,
  );
}
