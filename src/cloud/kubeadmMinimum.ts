/**
 * kubeadm's preflight refuses a control plane with fewer than 2 CPUs or less than 1700 MB of memory
 * (NumCPU, Mem). These find the machine sizes we know to be below that, by name, so the plan is refused at
 * preview instead of `kubeadm init` failing on a machine that was already paid for.
 */
import { TopologyError } from "../topology/errors";

const MINIMUM = "kubeadm's minimum for a control plane (2 CPUs, 1700 MB of memory)";

/** `size` unless `belowMinimum` knows it is too small for a control plane; then a TopologyError naming `field`. */
export function controlPlaneSize(size: string, field: string, belowMinimum: (size: string) => string | undefined, suggestion: string): string {
  const why = belowMinimum(size);
  if (why !== undefined) throw new TopologyError(field, `${why}. Use e.g. "${suggestion}".`);
  return size;
}

/** Why an EC2 instance type is below {@link MINIMUM}, or undefined when it is not known to be. */
export function ec2BelowKubeadmMinimum(instanceType: string): string | undefined {
  const [family, size] = instanceType.split(".");
  if (size === "nano" || size === "micro") return `${instanceType} has 1 GiB of memory or less, below ${MINIMUM}`;
  if (/^t[12]$/.test(family) && size === "small") return `${instanceType} has 1 vCPU, below ${MINIMUM}`;
  if (!family.startsWith("t") && size === "medium") return `${instanceType} has 1 vCPU, below ${MINIMUM}`;
  return undefined;
}

/** Why a Compute Engine machine type is below {@link MINIMUM}, or undefined when it is not known to be. */
export function gceBelowKubeadmMinimum(machineType: string): string | undefined {
  if (["f1-micro", "g1-small", "e2-micro"].includes(machineType)) return `${machineType} has less than 1700 MB of memory or 1 shared vCPU, below ${MINIMUM}`;
  if (/^[a-z0-9]+-[a-z]+-1$/.test(machineType)) return `${machineType} has 1 vCPU, below ${MINIMUM}`;
  const custom = /^(?:[a-z0-9]+-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(machineType);
  if (custom && (Number(custom[1]) < 2 || Number(custom[2]) < 1700)) return `${machineType} has ${custom[1]} vCPU(s) and ${custom[2]} MB, below ${MINIMUM}`;
  return undefined;
}
