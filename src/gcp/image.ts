import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { GCP_DEFAULTS, type GcpSettings } from "./settings";

/** The boot image: `imageId`, or the newest Ubuntu 24.04 LTS amd64 image (family `ubuntu-2404-lts-amd64`). */
export function bootImage(settings: GcpSettings, parent: pulumi.Resource): pulumi.Output<string> {
  if (settings.imageId !== undefined) return pulumi.output(settings.imageId);
  return compute.getImageOutput({ family: GCP_DEFAULTS.imageFamily, project: GCP_DEFAULTS.imageProject }, { parent }).selfLink;
}
