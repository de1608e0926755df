import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { kubernetesAptRepository } from "../bootstrap/kubernetesPackages";
import { kubernetesUpgradeScript } from "../bootstrap/scripts";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";

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
  /** The quorum gate script a step runs before it changes its machine, requiring `nodesAtVersion` at the version. */
  preflightGate: (nodesAtVersion: string[]) => pulumi.Output<string>;
  /** What must be done first: every control plane joined. */
  after: pulumi.Resource[];
}

/**
 * One `${name}-<host>-upgrade` step per control plane, one machine at a time. A step that has something to do first
 * runs the quorum gate (every etcd member healthy, `/readyz` through the load balancer, every node Ready, the
 * machines upgraded before it at the version), then upgrades its machine; at the version already it only checks and
 * returns, so a bring-up pays three quick steps. The scripts hold the target version, so a changed
 * `kubernetesVersion` runs them again. Returns the last step.
 */
export function kubernetesUpgradeSteps(name: string, options: KubernetesUpgradeStepsOptions, parent: pulumi.Resource): remote.Command {
  const [major, minor] = options.kubernetesVersion.split(".");
  const aptRepository = options.aptRepositoryTemplate === undefined ? "" : kubernetesAptRepository(`${major}.${minor}`, options.aptRepositoryTemplate);
  // The gate, kubeadm upgrade apply (up to four static pods restarted, each awaited by kubeadm for 5 minutes at
  // most), the drain and the wait for the node.
  const timeoutMinutes = 25 + Math.ceil((3 * options.timeoutSeconds) / 60);
  let previous: remote.Command | undefined;
  options.hosts.forEach((host, index) => {
    previous = hostCommand(
      `${name}-${host.name}-upgrade`,
      host,
      {
        script: options.preflightGate(options.hosts.slice(0, index).map((h) => h.name)).apply((gate) =>
          kubernetesUpgradeScript({
            kubernetesVersion: options.kubernetesVersion,
            nodeName: host.name,
            first: index === 0,
            aptRepository,
            ignorePreflightErrors: options.ignorePreflightErrors,
            waitReady: options.waitReady,
            timeoutSeconds: options.timeoutSeconds,
            preflightGateScript: gate,
          }),
        ),
        dependsOn: previous ? [previous] : options.after,
        timeoutMinutes,
      },
      parent,
    );
  });
  return previous!;
}
