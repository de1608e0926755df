import * as pulumi from "@pulumi/pulumi";
import { certificateExpiryScript } from "../bootstrap/scripts/certificateExpiry";
import { lastJsonObject } from "./etcdBackup";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";

/** When one certificate expires. */
export interface CertificateExpiry {
  /** Path under `/etc/kubernetes/pki` (or `admin.conf`). */
  file: string;
  /** `notAfter`, ISO 8601 UTC. */
  notAfter: string;
  /** Whole days left when it was read (negative: expired). */
  daysLeft: number;
}

/** What one control plane's certificates said when `pulumi up` last read them. */
export interface CertificateExpiryReport {
  node: string;
  checkedAt: string;
  /** The earliest of kubeadm's leaf certificates (they last one year; `kubeadm certs renew` or an upgrade renews them). */
  earliestLeaf: CertificateExpiry | null;
  /** The earliest CA (cluster, front proxy, etcd). */
  ca: CertificateExpiry | null;
  /** The client certificate in `/etc/kubernetes/admin.conf`. */
  adminKubeconfig: CertificateExpiry | null;
}

/** Days of warning before a certificate expires. */
export const CERTIFICATE_WARNING_DAYS = 30;

/**
 * One read-only `${name}-<node>-certificates` step per control plane after `after`, and the reports by node name. The
 * steps run again when `readAgainOn` changes (what renews certificates: the Kubernetes version, or every update's time
 * when `pulumi up` renews them). A certificate with fewer than {@link CERTIFICATE_WARNING_DAYS} days left, counted from
 * now (so a preview warns from the last report), is logged as a warning on the component.
 */
export function certificateExpirySteps(
  name: string,
  hosts: ClusterHost[],
  after: pulumi.Resource[],
  readAgainOn: string,
  parent: pulumi.Resource,
): pulumi.Output<Record<string, CertificateExpiryReport>> {
  const steps = hosts.map((host) =>
    hostCommand(`${name}-${host.name}-certificates`, host, { script: certificateExpiryScript(host.name), dependsOn: after, timeoutMinutes: 5, triggers: [readAgainOn] }, parent),
  );
  return pulumi.all(steps.map((step) => step.stdout)).apply((outputs) => {
    const reports = Object.fromEntries(outputs.map((stdout, i) => [hosts[i].name, lastJsonObject(stdout) as unknown as CertificateExpiryReport]));
    for (const warning of expiryWarnings(reports, Date.now())) void pulumi.log.warn(warning, parent);
    return reports;
  });
}

/** A warning per certificate with fewer than {@link CERTIFICATE_WARNING_DAYS} days left at `nowMs`. */
export function expiryWarnings(reports: Record<string, CertificateExpiryReport>, nowMs: number): string[] {
  const warnings: string[] = [];
  for (const [node, report] of Object.entries(reports)) {
    for (const [what, entry] of [["leaf certificate", report.earliestLeaf], ["CA", report.ca], ["admin kubeconfig", report.adminKubeconfig]] as const) {
      const expiresMs = entry ? Date.parse(entry.notAfter) : NaN;
      if (!entry || Number.isNaN(expiresMs)) continue;
      const daysLeft = Math.floor((expiresMs - nowMs) / 86_400_000);
      if (daysLeft < CERTIFICATE_WARNING_DAYS) {
        warnings.push(
          `${node}: ${what} ${entry.file} ${daysLeft < 0 ? "expired" : "expires"} ${entry.notAfter} (${daysLeft} days left). Set certificateRenewal (pulumi up renews them), upgrade Kubernetes, or run \`kubeadm certs renew all\` on each control plane, one at a time, and restart its static pods.`,
        );
      }
    }
  }
  return warnings;
}
