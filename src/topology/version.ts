import { describeValue } from "./describe";
import { TopologyError } from "./errors";

/** Oldest supported Kubernetes minor: kubeadm's v1beta4 configuration needs 1.31. */
export const MIN_KUBERNETES_MINOR = 31;
/** First Kubernetes minor not supported yet (exclusive bound). */
export const MAX_KUBERNETES_MINOR_EXCLUSIVE = 36;

/** A released version without leading zeros; an optional leading `v` is dropped. */
const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** A validated Kubernetes version. */
export interface KubernetesVersion {
  /** `MAJOR.MINOR.PATCH`, without a leading `v`. */
  version: string;
  /** `MAJOR.MINOR`. */
  minor: string;
}

/** Validates a Kubernetes version within 1.31.0 <= v < 1.36.0; throws a {@link TopologyError} naming `field`. */
export function parseKubernetesVersion(value: unknown, field: string): KubernetesVersion {
  const match = typeof value === "string" ? VERSION.exec(value) : null;
  if (!match) {
    throw new TopologyError(field, `${describeValue(value)} is not a MAJOR.MINOR.PATCH version. Give a released version such as "1.34.2".`);
  }
  const [major, minor, patch] = match.slice(1, 4).map(Number);
  if (major !== 1 || minor < MIN_KUBERNETES_MINOR || minor >= MAX_KUBERNETES_MINOR_EXCLUSIVE) {
    throw new TopologyError(
      field,
      `${major}.${minor}.${patch} is not supported; supported versions are 1.${MIN_KUBERNETES_MINOR}.0 up to but not ` +
        `including 1.${MAX_KUBERNETES_MINOR_EXCLUSIVE}.0 (kubeadm's v1beta4 configuration needs 1.31 or later). Use e.g. "1.34.2".`,
    );
  }
  return { version: `${major}.${minor}.${patch}`, minor: `${major}.${minor}` };
}
