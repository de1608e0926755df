import * as pulumi from "@pulumi/pulumi";
import { stack } from "./program";

/** Your public IPv4 address as a /32 (the program SSHes to the bastion from here). */
async function callerCidr(): Promise<string> {
  const response = await fetch("https://api.ipify.org");
  if (!response.ok) throw new Error(`api.ipify.org answered ${response.status}; set adminCidrs in the stack config`);
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
  });
};
