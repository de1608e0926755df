import { scriptOfRootCommand } from "../bootstrap/scripts/shell";
import type { GateObservation } from "../cluster/quorumReport";

/** The members a rendered quorum gate script checks, read back from its `MEMBERS` parameter. */
function gateMembers(script: string): { name: string; endpoint: string }[] {
  const match = /readonly MEMBERS='([^']*)'/.exec(script);
  if (!match) return [];
  return match[1]
    .split(" ")
    .filter(Boolean)
    .map((pair) => {
      const [name, ...rest] = pair.split("=");
      return { name, endpoint: rest.join("=") };
    });
}

/** What a healthy quorum gate prints for the script it was given: every expected member healthy. */
export function healthyGateObservation(script: string): GateObservation {
  const members = gateMembers(script);
  const nodes = /readonly EXPECTED_READY_NODES='(\d+)'/.exec(script);
  const readyNodes = nodes ? Number(nodes[1]) : 0;
  return {
    ok: true,
    degraded: false,
    expectedMembers: members.length,
    healthyMembers: members.length,
    members: members.map((member, index) => ({
      name: member.name,
      id: (0x1000 + index).toString(16),
      endpoint: member.endpoint,
      healthy: true,
      isLearner: false,
      isLeader: index === 0,
    })),
    clusterIds: ["1"],
    leaderIds: ["4096"],
    alarms: [],
    problems: [],
    attempts: 1,
    ...(script.includes("readonly READYZ_URL='https") ? { apiServerReadyz: "ok" } : {}),
    ...(readyNodes > 0 ? { nodes: Array.from({ length: readyNodes }, (_, i) => ({ name: `cp-${i}`, ready: true })) } : {}),
  };
}

/** A kubeconfig-shaped text for the kubeconfig step under mocks (no real credentials). */
export const MOCK_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: https://mock-endpoint:6443
users:
- name: mock-admin
  user:
    token: mock-token-not-a-secret
contexts:
- name: mock
  context: {cluster: mock, user: mock-admin}
current-context: mock
`;

/** stdout a bootstrap step prints under mocks, recognised by its script's description line. */
export function mockCommandStdout(command: string): string {
  const create = scriptOfRootCommand(command);
  if (create.includes("pulumi-k8s-ha: quorum gate")) return `${JSON.stringify(healthyGateObservation(create))}\n`;
  if (create.includes("pulumi-k8s-ha: print the admin kubeconfig")) return MOCK_KUBECONFIG;
  return "";
}
