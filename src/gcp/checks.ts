import * as pulumi from "@pulumi/pulumi";
import { parseCloudCidr, refuseWholeInternet } from "../cloud/cidr";
import { describeValue } from "../topology/describe";
import { TopologyError } from "../topology/errors";

/** A GCP region: `us-central1`, `europe-west4`, `northamerica-northeast2`. */
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
/** A machine type: predefined (`e2-standard-2`) or custom (`n2-custom-4-8192`). */
const MACHINE_TYPE = /^[a-z][a-z0-9-]{0,62}$/;
/** A Linux login name the guest agent accepts. */
const LOGIN = /^[a-z_][a-z0-9_-]{0,31}$/;
/** One OpenSSH public key line. */
const PUBLIC_KEY = /^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;
/** GCP label keys and values. */
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

/** A list of CIDRs (each checked by {@link parseCloudCidr}); `allowAnywhere: false` refuses `/0`. */
export function cidrList(value: unknown, field: string, fallback: string[] | undefined, allowAnywhere: boolean): string[] {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Array.isArray(value)) {
    throw new TopologyError(field, `${describeValue(value)} is not a list of CIDRs. Give e.g. ["203.0.113.7/32"].`);
  }
  const cidrs = value.map((entry: unknown, index) => {
    const cidr = parseCloudCidr(entry, field, `entry ${index} `);
    if (!allowAnywhere && cidr.prefix === 0) {
      throw new TopologyError(
        field,
        `entry ${index} "${entry}" opens SSH to the whole internet. Give the ranges you administer from, e.g. "203.0.113.7/32".`,
      );
    }
    return cidr;
  });
  if (!allowAnywhere) refuseWholeInternet(cidrs, field);
  return [...(value as string[])];
}

/** Throws unless `value` is a GCP region name. */
export function checkRegion(value: unknown): string {
  if (typeof value !== "string" || !REGION.test(value)) {
    const hint = value === undefined ? "is not set" : `${describeValue(value)} is not a region name`;
    throw new TopologyError("region", `${hint}. Set region (e.g. "europe-west1") or the gcp:region stack setting.`);
  }
  return value;
}

/** Throws unless every zone is in `region` (`<region>-<letter>`). */
export function checkZonesInRegion(zones: string[], region: string): void {
  zones.forEach((zone, index) => {
    if (!zone.startsWith(`${region}-`)) {
      throw new TopologyError("zones", `entry ${index} ("${zone}") is not in region "${region}". Use zones such as "${region}-b".`);
    }
  });
}

/** A machine type name, or `fallback` when undefined. */
export function machineType(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !MACHINE_TYPE.test(value)) {
    throw new TopologyError(field, `${describeValue(value)} is not a machine type name. Use one such as "${fallback}".`);
  }
  return value;
}

/** An integer within [min, max], or `fallback` when undefined. */
export function integerInRange(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TopologyError(field, `${describeValue(value)} is not an integer from ${min} to ${max}. Use e.g. ${fallback}.`);
  }
  return value;
}

/** A login name, or `fallback` when undefined. */
export function loginName(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !LOGIN.test(value)) {
    throw new TopologyError(field, `${describeValue(value)} is not a Linux login name. Use lowercase letters, digits, _ and -, e.g. "${fallback}".`);
  }
  return value;
}

/** `sshPublicKey` and `sshPrivateKey` come together or not at all; the public key is one OpenSSH line (an output is checked once it resolves). */
export function checkSshKeyPair(publicKey: unknown, privateKey: unknown): void {
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    const [given, missing] = publicKey === undefined ? ["sshPrivateKey", "sshPublicKey"] : ["sshPublicKey", "sshPrivateKey"];
    throw new TopologyError(missing, `is missing while ${given} is given. Give both keys of the pair, or neither to generate one.`);
  }
  if (publicKey !== undefined && !pulumi.Output.isInstance(publicKey) && !(publicKey instanceof Promise) && (typeof publicKey !== "string" || !PUBLIC_KEY.test(publicKey.trim()))) {
    throw new TopologyError("sshPublicKey", `${describeValue(publicKey)} is not one OpenSSH public key line. Use e.g. "ssh-ed25519 AAAA... you@host".`);
  }
}

/** GCP labels: lowercase keys and values; empty `{}` by default. */
export function labelMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TopologyError("labels", `${describeValue(value)} is not a map of labels. Give e.g. { team: "platform" }.`);
  }
  for (const [key, label] of Object.entries(value)) {
    if (!LABEL_KEY.test(key) || typeof label !== "string" || !LABEL_VALUE.test(label)) {
      throw new TopologyError(
        "labels",
        `${JSON.stringify(key)}: ${describeValue(label)} is not a GCP label. Keys start with a letter; keys and values use ` +
          "lowercase letters, digits, _ and -, at most 63 characters.",
      );
    }
  }
  return { ...(value as Record<string, string>) };
}
