import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { kubernetesAptRepository } from "../bootstrap/kubernetesPackages";
import { kubernetesUpgradeScript } from "../bootstrap/scripts";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";

/** A quorum gate after `after` that also requires `nodesAtVersion` to run the target kubelet. */
export type UpgradeGate = (label: string, nodesAtVersion: string[], after: pulumi.Resource[]) => remote.Command;

/** Options of {@link kubernetesUpgradeSteps}. */
export interface KubernetesUpgradeStepsOptions {
  /** The control planes, the first one (`kubeadm upgrade apply`) first. */
  hosts: ClusterHost[];
  /** Target version without `v`. */
  kubernetesVersion: string;
  /** Repository template (`{minor}`), or undefined when packages are managed outside the library. */
  aptRepositoryTemplate: string | undefined;
  /** Preflight errors kubeadm should ignore. */
  ignorePreflightErrors?: string[];
  /** Whether nodes become Ready (a CNI is installed). */
  waitReady: boolean;
  /** Bound on each wait of a step, in seconds. */
  timeoutSeconds: number;
  /** The gate between two machines. */
  gate: UpgradeGate;
  /** The bring-up's final gate: upgrades start only on a whole, healthy control plane. */
  after: pulumi.Resource;
}

/**
 * One `${name}-<host>-upgrade` step per control plane, one machine at a time, each followed by a
 * `${name}-<host>-upgrade-gate` quorum gate that also requires every machine upgraded so far to run the target
 * kubelet. The steps' scripts hold the target version, so a changed `kubernetesVersion` runs them (and their gates)
 * again; on a cluster already at the version each step only checks and returns. Returns the last gate.
 */
export function kubernetesUpgradeSteps(name: string, options: KubernetesUpgradeStepsOptions, parent: pulumi.Resource): remote.Command {
  const [major, minor] = options.kubernetesVersion.split(".");
  const aptRepository = options.aptRepositoryTemplate === undefined ? "" : kubernetesAptRepository(`${major}.${minor}`, options.aptRepositoryTemplate);
  // kubeadm upgrade apply restarts up to four static pods, each awaited by kubeadm (5 minutes at most each).
  const timeoutMinutes = 25 + Math.ceil((3 * options.timeoutSeconds) / 60);
  let previous: remote.Command | undefined;
  options.hosts.forEach((host, index) => {
    const step = hostCommand(
      `${name}-${host.name}-upgrade`,
      host,
      {
        script: kubernetesUpgradeScript({
          kubernetesVersion: options.kubernetesVersion,
          nodeName: host.name,
          first: index === 0,
          aptRepository,
          ignorePreflightErrors: options.ignorePreflightErrors,
          waitReady: options.waitReady,
          timeoutSeconds: options.timeoutSeconds,
        }),
        dependsOn: [previous ?? options.after],
        timeoutMinutes,
      },
      parent,
    );
    previous = options.gate(`${host.name}-upgrade-gate`, options.hosts.slice(0, index + 1).map((h) => h.name), [step]);
  });
  return previous!;
}
