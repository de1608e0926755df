import { isIP } from "node:net";
import { describeValue } from "./describe";
import { TopologyError } from "./errors";

/** A zone name: lowercase letters, digits and dashes, 1-63 characters, starting and ending with a letter or digit. */
const ZONE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Throws unless `value` is a positive integer (runtime check: JavaScript callers may pass anything). */
export function requirePositiveInteger(value: unknown, field: string, example: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TopologyError(field, `${describeValue(value)} is not a positive integer. Use a whole number such as ${example}.`);
  }
  return value;
}

/** Throws unless `value` is a boolean or undefined; returns it with `fallback` for undefined. */
export function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TopologyError(field, `${describeValue(value)} is not a boolean. Use true or false.`);
  }
  return value;
}

/** Throws unless `zones` is a non-empty list of unique, valid zone names. */
export function validateZones(zones: unknown, field = "zones"): string[] {
  if (!Array.isArray(zones)) {
    throw new TopologyError(field, `${describeValue(zones)} is not a list of zones. Give at least one zone, e.g. ["a", "b", "c"].`);
  }
  if (zones.length === 0) {
    throw new TopologyError(field, 'is empty. Give at least one zone, e.g. ["a", "b", "c"].');
  }
  const seen = new Map<string, number>();
  zones.forEach((zone: unknown, index) => {
    if (typeof zone !== "string") {
      throw new TopologyError(field, `entry ${index} (${describeValue(zone)}) is not a string. Give zone names as strings.`);
    }
    if (zone.trim() !== zone) {
      throw new TopologyError(field, `entry ${index} (${JSON.stringify(zone)}) has leading or trailing spaces. Use ${JSON.stringify(zone.trim())}.`);
    }
    if (!ZONE_NAME.test(zone)) {
      throw new TopologyError(
        field,
        `entry ${index} (${JSON.stringify(zone)}) is not a valid zone name. ` +
          "Use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit.",
      );
    }
    const first = seen.get(zone);
    if (first !== undefined) {
      throw new TopologyError(field, `${JSON.stringify(zone)} appears twice (entries ${first} and ${index}). List each zone once.`);
    }
    seen.set(zone, index);
  });
  return zones as string[];
}

/** One DNS label: letters, digits and `-`, at most 63 characters, not starting or ending with `-`. */
const LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/** A host name: labels joined by `.`. */
const HOST_NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
/** A DNS name of a certificate: a host name, optionally starting with `*.`. */
const DNS_NAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`);

/** Whether `value` is an IP address or a host name (at most 253 characters): no scheme, port, path or spaces. */
export function isHostAddress(value: unknown): value is string {
  return typeof value === "string" && (isIP(value) !== 0 || (value.length <= 253 && HOST_NAME.test(value)));
}

/** Throws unless `value` is a list of DNS names or IP addresses, as a certificate's subject alternative names. */
export function validateCertSans(value: unknown, field = "extraCertSans"): string[] {
  if (!Array.isArray(value)) throw new TopologyError(field, `${describeValue(value)} is not a list.`);
  value.forEach((san: unknown, index) => {
    if (typeof san !== "string" || (isIP(san) === 0 && (san.length > 253 || !DNS_NAME.test(san)))) {
      throw new TopologyError(field, `entry ${index} (${typeof san === "string" ? JSON.stringify(san) : describeValue(san)}) is not a DNS name or IP address. Give e.g. "api.example.com" or "203.0.113.10", without scheme or port.`);
    }
  });
  return value as string[];
}
