import { CERTIFICATE_VALIDITY_PATTERN } from "../bootstrap/kubeadmConfig";
import { TopologyError } from "../topology/errors";
import { validated } from "./argumentError";
import type { CertificateRenewalArgs } from "./certificateRenewal";

/** The certificate arguments every component with kubeadm control planes takes. */
export interface CertificateSettingsArgs {
  certificateValidityPeriod?: string;
  certificateRenewal?: CertificateRenewalArgs;
  reportCertificateExpiry?: boolean;
}

/** Longest `certificateValidityPeriod` accepted: the library's CAs last 10 years, and a leaf must not outlive them. */
const MAX_VALIDITY_HOURS = 5 * 8760;

/** Throws a `TopologyError` naming the field unless `condition` holds. */
function check(condition: boolean, field: string, problem: string): void {
  if (!condition) throw new TopologyError(field, problem);
}

/**
 * Throws a `TopologyError` naming the field on a `certificateValidityPeriod` that is not whole hours from 1h to 5
 * years, a `certificateRenewal.renewWithinDays` that is not a whole number of days shorter than the validity, or a
 * `reportCertificateExpiry` that is not a boolean. For components that collect `TopologyError`s.
 */
export function checkCertificateSettings(args: CertificateSettingsArgs): void {
  const period = args.certificateValidityPeriod;
  const validityHours = typeof period === "string" && CERTIFICATE_VALIDITY_PATTERN.test(period) ? Number(period.slice(0, -1)) : undefined;
  check(
    period === undefined || (validityHours !== undefined && validityHours <= MAX_VALIDITY_HOURS),
    "certificateValidityPeriod",
    `${JSON.stringify(period)} is not whole hours from "1h" to "${MAX_VALIDITY_HOURS}h". Give e.g. "8760h" (one year, kubeadm's default).`,
  );
  check(args.reportCertificateExpiry === undefined || typeof args.reportCertificateExpiry === "boolean", "reportCertificateExpiry", `${JSON.stringify(args.reportCertificateExpiry)} is not a boolean. Use true or false.`);
  const renewal = args.certificateRenewal;
  if (renewal === undefined) return;
  check(typeof renewal === "object" && renewal !== null && !Array.isArray(renewal), "certificateRenewal", "must be an object such as { renewWithinDays: 30 }.");
  const days = renewal.renewWithinDays;
  check(
    days === undefined || (typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365),
    "certificateRenewal.renewWithinDays",
    `${JSON.stringify(days)} is not a whole number of days from 1 to 365. Give e.g. 30, and run pulumi up more often than that.`,
  );
  const validityDays = (validityHours ?? 8760) / 24;
  check(
    days === undefined || days < validityDays,
    "certificateRenewal.renewWithinDays",
    `${days} days is not shorter than the certificates' validity (${period ?? "8760h"}): every update would renew them. Give fewer days, or a longer certificateValidityPeriod.`,
  );
}

/** {@link checkCertificateSettings}, as an `ArgumentError` prefixed with `context`. */
export function requireCertificateSettings(context: string, args: CertificateSettingsArgs): void {
  validated(context, () => checkCertificateSettings(args));
}
