import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { certificateRenewalScript } from "../bootstrap/scripts";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";

/** Renewal of kubeadm's certificates by `pulumi up` (argument `certificateRenewal`). */
export interface CertificateRenewalArgs {
  /**
   * Every update renews a control plane's kubeadm certificates (`kubeadm certs renew all`) when the earliest of them
   * has fewer than this many days left, then restarts its control-plane pods, one machine at a time behind the
   * quorum gate. Run `pulumi up` more often than this (e.g. weekly from CI).
   * @default 30
   */
  renewWithinDays?: number;
}

/** Days before expiry at which an update renews, unless `renewWithinDays` says otherwise. */
export const DEFAULT_RENEW_WITHIN_DAYS = 30;

/** Options of {@link certificateRenewalSteps}. */
export interface CertificateRenewalStepsOptions {
  /** The control planes, in the order they are renewed. */
  hosts: ClusterHost[];
  /** The user's settings. */
  renewal: CertificateRenewalArgs;
  /** kubeadm's `--config` for one control plane (no secret: it becomes command text). */
  kubeadmConfig: (host: ClusterHost) => pulumi.Output<string>;
  /** Stacked etcd: each machine's etcd member restarts on renewed certificates too. */
  stackedEtcd: boolean;
  /** kube-apiserver's port on the machines. */
  apiServerPort: number;
  /** The quorum gate script a step runs before restarting anything. */
  preflightGate: pulumi.Output<string>;
  /** Bound on each wait, in seconds. */
  timeoutSeconds: number;
  /** The update's time, whose change each update re-runs the steps. @default the current time (ISO 8601) */
  checkedAt?: string;
  /** What must be done first (the final gate of the bring-up). */
  after: pulumi.Resource[];
}

/**
 * One `${name}-<host>-certificate-renewal` step per control plane, one machine at a time, re-run by every update (a
 * new time each update replaces them): each renews when due and restarts the components still on old certificates,
 * and otherwise only reads. Returns the last step.
 */
export function certificateRenewalSteps(name: string, options: CertificateRenewalStepsOptions, parent: pulumi.Resource): remote.Command {
  const checkedAt = options.checkedAt ?? new Date().toISOString();
  const renewWithinDays = options.renewal.renewWithinDays ?? DEFAULT_RENEW_WITHIN_DAYS;
  let previous: remote.Command | undefined;
  for (const [index, host] of options.hosts.entries()) {
    previous = hostCommand(
      `${name}-${host.name}-certificate-renewal`,
      host,
      {
        script: pulumi.all([options.kubeadmConfig(host), options.preflightGate]).apply(([kubeadmConfig, gate]) =>
          certificateRenewalScript({
            nodeName: host.name,
            first: index === 0,
            renewWithinDays,
            kubeadmConfig,
            stackedEtcd: options.stackedEtcd,
            apiServerPort: options.apiServerPort,
            preflightGateScript: gate,
            timeoutSeconds: options.timeoutSeconds,
          }),
        ),
        dependsOn: previous ? [previous] : options.after,
        // The gate, then up to four components restarted, each awaited.
        timeoutMinutes: 5 + Math.ceil((5 * options.timeoutSeconds) / 60),
        triggers: [checkedAt],
      },
      parent,
    );
  }
  return previous!;
}
