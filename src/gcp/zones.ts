import { getZones } from "@pulumi/gcp/compute/getZones";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Every zone of `region`, sorted by name. Not filtered by status: a zone that is briefly down must not
 * re-plan the cluster and move machines; give `zones` to pin them for production.
 */
export async function regionZones(region: string, parent: pulumi.Resource): Promise<string[]> {
  const result = await getZones({ region }, { parent });
  return [...(result.names ?? [])].sort();
}
