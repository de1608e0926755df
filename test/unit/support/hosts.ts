import type { ClusterHost } from "../../../src/cluster";

/** Private key text used in fake host connections: tests assert it never reaches a command's text. */
export const FAKE_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-SSH-KEY-FOR-TESTS\n-----END OPENSSH PRIVATE KEY-----\n";

/** `count` hosts named `${prefix}-N`, spread round-robin over `zones`, addressed 10.0.<zone>.<10+N>. */
export function fakeHosts(prefix: string, count: number, zones: string[]): ClusterHost[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}-${index}`,
    zone: zones[index % zones.length],
    privateAddress: `10.0.${index % zones.length}.${10 + index}`,
    connection: { host: `10.0.${index % zones.length}.${10 + index}`, user: "ubuntu", privateKey: FAKE_SSH_KEY },
  }));
}
