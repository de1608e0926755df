import { getAvailabilityZones } from "@pulumi/aws/getAvailabilityZones";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The zones to use: the given ones, or the first `count` zones of the provider's region that are available
 * and of type `availability-zone` (no Local Zones or Wavelength Zones, which lack NLB and NAT support).
 * Resolves to fewer than `count` when the region has fewer; the caller reports that.
 */
export async function resolveZones(given: string[] | undefined, count: number, parent: pulumi.Resource): Promise<string[]> {
  if (given) return given;
  const result = await getAvailabilityZones(
    { state: "available", filters: [{ name: "zone-type", values: ["availability-zone"] }] },
    { parent },
  );
  return result.names.slice(0, count);
}
