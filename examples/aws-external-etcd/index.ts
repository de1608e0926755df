import * as pulumi from "@pulumi/pulumi";
import { stack } from "./program";

const config = new pulumi.Config();
// Nothing is looked up on the network: without adminCidrs the library refuses the plan and names it.
const adminCidrs = config.getObject<string[]>("adminCidrs") ?? [];

export = stack({
  clusterName: config.get("clusterName") ?? pulumi.getStack(),
  adminCidrs,
  apiAllowedCidrs: config.getObject<string[]>("apiAllowedCidrs") ?? adminCidrs,
  kubernetesVersion: config.get("kubernetesVersion"),
  natGateways: config.get("natGateways") as "perZone" | "single" | undefined,
});
