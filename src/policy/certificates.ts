import type { StackValidationPolicy } from "@pulumi/policy/policy";
import type { CertificateExpiry, CertificateExpiryReport } from "../cluster/certificateExpiry";
import { describeResource, outermostComponents } from "./components";
import { configWithDefaults, readKnown } from "./config";

/** Configuration of {@link certificatesNotExpiring}. */
export interface CertificatesConfig {
  /** Fewest days a certificate may have left. @default 30 */
  minDaysLeft: number;
}

const DEFAULTS: CertificatesConfig = { minDaysLeft: 30 };

const DAY_MS = 86_400_000;

/**
 * No control plane's certificates (kubeadm's leaf certificates, the CAs, admin.conf's client certificate) expire
 * within `minDaysLeft` days, counted from now and each certificate's `notAfter` in the components'
 * `certificateExpiry` output (`reportCertificateExpiry: true`). Components without the output, or whose report is
 * unknown in a preview, are skipped.
 */
export const certificatesNotExpiring: StackValidationPolicy = {
  name: "k8s-ha-certificates-not-expiring",
  description: "No control-plane certificate in the certificateExpiry output expires within 30 days (policy config minDaysLeft).",
  configSchema: {
    properties: { minDaysLeft: { type: "integer", minimum: 0, default: DEFAULTS.minDaysLeft, description: "Fewest days a certificate may have left." } },
  },
  validateStack: (args, reportViolation) => {
    const { minDaysLeft } = configWithDefaults(DEFAULTS, args.getConfig);
    for (const component of outermostComponents(args.resources)) {
      const reports = readKnown(() => plain(component.props.certificateExpiry) as Record<string, CertificateExpiryReport> | undefined, undefined);
      for (const [node, report] of Object.entries(reports ?? {})) {
        for (const [what, entry] of [["leaf certificate", report?.earliestLeaf], ["CA", report?.ca], ["admin kubeconfig", report?.adminKubeconfig]] as const) {
          const left = entry ? daysLeft(entry, new Date()) : undefined;
          if (left === undefined || left >= minDaysLeft) continue;
          reportViolation(
            `${describeResource(component)}: ${node}'s ${what} ${entry!.file} ${left < 0 ? "expired" : "expires"} ${entry!.notAfter} ` +
              `(${left} days left, the policy asks for at least ${minDaysLeft}). Renew with \`kubeadm certs renew all\` on each ` +
              "control plane, one at a time, restart its static pods, then run `pulumi up` to refresh the report.",
            component.urn,
          );
        }
      }
    }
  },
};

/** Whole days from `now` to the certificate's `notAfter` (negative: expired); its `daysLeft` when `notAfter` does not parse. */
function daysLeft(entry: CertificateExpiry, now: Date): number | undefined {
  const notAfter = Date.parse(entry.notAfter);
  if (!Number.isNaN(notAfter)) return Math.floor((notAfter - now.getTime()) / DAY_MS);
  return typeof entry.daysLeft === "number" ? entry.daysLeft : undefined;
}

/** The value with every nested field read (so an unknown anywhere inside throws here, inside `readKnown`). */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
