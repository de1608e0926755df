import type { HostSpec, HostsControlPlaneArgs } from "../../../src/hosts/args";

/** Private key text in fake host specs: tests assert it never reaches a command's text. */
export const HOST_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-OWN-HOST-KEY\n-----END OPENSSH PRIVATE KEY-----\n";
/** The bastion's fake private key. */
export const BASTION_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-BASTION-KEY\n-----END OPENSSH PRIVATE KEY-----\n";

/** `count` hosts `${prefix}-N` in racks rack-a, rack-b, rack-c (round robin), addressed 192.168.<offset>.<10+N>. */
export function hostSpecs(prefix: string, count: number, offset: number): HostSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}-${index}`,
    address: `192.168.${offset}.${10 + index}`,
    user: "admin",
    privateKey: HOST_KEY,
    failureDomain: `rack-${"abc"[index % 3]}`,
  }));
}

/** A valid stacked cluster with two HAProxy hosts and a virtual IP. */
export function validArgs(overrides: Partial<HostsControlPlaneArgs> = {}): HostsControlPlaneArgs {
  return {
    clusterName: "home",
    controlPlaneHosts: hostSpecs("cp", 3, 1),
    loadBalancerHosts: hostSpecs("lb", 2, 2),
    virtualIp: "192.168.2.100",
    virtualIpInterface: "eth0",
    ...overrides,
  };
}
