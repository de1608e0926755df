import { CERTIFICATE_VALIDITY_PATTERN } from "../bootstrap/kubeadmConfig";
import { requireArgument } from "./argumentError";
import type { CertificateRenewalArgs } from "./certificateRenewal";

/** The certificate arguments every component with kubeadm control planes takes. */
export interface CertificateSettingsArgs {
  certificateValidityPeriod?: string;
  certificateRenewal?: CertificateRenewalArgs;
  reportCertificateExpiry?: boolean;
}

/** Longest `certificateValidityPeriod` accepted: the library's CAs last 10 years, and a leaf must not outlive them. */
const MAX_VALIDITY_HOURS = 5 * 8760;

/**
 * Throws an `ArgumentError` naming the field on a `certificateValidityPeriod` that is not whole hours from 1h to 5
 * years, a `certificateRenewal.renewWithinDays` that is not a whole number of days shorter than the validity, or a
 * `reportCertificateExpiry` that is not a boolean.
 */
export function requireCertificateSettings(context: string, args: CertificateSettingsArgs): void {
  const period = args.certificateValidityPeriod;
  const validityHours = typeof period === "string" && CERTIFICATE_VALIDITY_PATTERN.test(period) ? Number(period.slice(0, -1)) : undefined;
  requireArgument(
    period === undefined || (validityHours !== undefined && validityHours <= MAX_VALIDITY_HOURS),
    context,
    "certificateValidityPeriod",
    `${JSON.stringify(period)} is not whole hours from "1h" to "${MAX_VALIDITY_HOURS}h". Give e.g. "8760h" (one year, kubeadm's default).`,
  );
  requireArgument(args.reportCertificateExpiry === undefined || typeof args.reportCertificateExpiry === "boolean", context, "reportCertificateExpiry", `${JSON.stringify(args.reportCertificateExpiry)} is not a boolean. Use true or false.`);
  const renewal = args.certificateRenewal;
  if (renewal === undefined) return;
  requireArgument(typeof renewal === "object" && renewal !== null && !Array.isArray(renewal), context, "certificateRenewal", "must be an object such as { renewWithinDays: 30 }.");
  const days = renewal.renewWithinDays;
  requireArgument(
    days === undefined || (typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365),
    context,
    "certificateRenewal.renewWithinDays",
    `${JSON.stringify(days)} is not a whole number of days from 1 to 365. Give e.g. 30, and run pulumi up more often than that.`,
  );
  const validityDays = (validityHours ?? 8760) / 24;
  requireArgument(
    days === undefined || days < validityDays,
    context,
    "certificateRenewal.renewWithinDays",
    `${days} days is not shorter than the certificates' validity (${period ?? "8760h"}): every update would renew them. Give fewer days, or a longer certificateValidityPeriod.`,
  );
}
