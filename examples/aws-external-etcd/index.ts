import * as pulumi from "@pulumi/pulumi";
import { stack } from "./program";

/** Your public IPv4 address as a /32, as AWS sees it (the program SSHes to the bastion from here). */
async function callerCidr(): Promise<string> {
  const response = await fetch("https://checkip.amazonaws.com");
  if (!response.ok) throw new Error(`checkip.amazonaws.com answered ${response.status}; set adminCidrs in the stack config`);
  return `${(await response.text()).trim()}/32`;
}

const config = new pulumi.Config();

export = async () => {
  const adminCidrs = config.getObject<string[]>("adminCidrs") ?? [await callerCidr()];
  return stack({
    clusterName: config.get("clusterName") ?? pulumi.getStack(),
    adminCidrs,
    apiAllowedCidrs: config.getObject<string[]>("apiAllowedCidrs") ?? adminCidrs,
    kubernetesVersion: config.get("kubernetesVersion"),
    natGateways: config.get("natGateways") as "perZone" | "single" | undefined,
  });
};
