import * as pulumi from "@pulumi/pulumi";

/** The settings every example reads (from stack config in its index.ts, or given directly by tests). */
export interface ExampleConfig {
  /** Cluster name (DNS label, at most 40 characters). */
  clusterName: string;
  /** CIDRs the program and admins SSH from (the bastion's only way in). */
  adminCidrs: string[];
  /** CIDRs allowed to the Kubernetes API on the load balancer. */
  apiAllowedCidrs: string[];
  /** Kubernetes version. @default the library's default */
  kubernetesVersion?: string;
}

/** Your public IPv4 address as a /32, as the plain-text service at `url` sees it (the program SSHes to the bastion from here). */
export async function callerCidr(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${new URL(url).host} answered ${response.status}; set adminCidrs in the stack config`);
  return `${(await response.text()).trim()}/32`;
}

/**
 * Reads the common stack config: `clusterName` (default: the stack name), `adminCidrs` (default: your public
 * IP from `ipServiceUrl`), `apiAllowedCidrs` (default: `adminCidrs`) and `kubernetesVersion`.
 */
export async function readExampleConfig(config: pulumi.Config, ipServiceUrl: string): Promise<ExampleConfig> {
  const adminCidrs = config.getObject<string[]>("adminCidrs") ?? [await callerCidr(ipServiceUrl)];
  return {
    clusterName: config.get("clusterName") ?? pulumi.getStack(),
    adminCidrs,
    apiAllowedCidrs: config.getObject<string[]>("apiAllowedCidrs") ?? adminCidrs,
    kubernetesVersion: config.get("kubernetesVersion"),
  };
}
