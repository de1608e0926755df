import type { QuorumReport } from "../cluster/quorumReport";
import type { TopologyPlan } from "../topology/types";
import type { PlannedResource } from "./recorder";

/** One wave of bootstrap steps: they can run at the same time, after every earlier wave. */
export interface StepWave {
  wave: number;
  steps: string[];
}

/**
 * Groups command steps into waves: a step's wave is one more than the latest wave among the steps that had
 * finished when it started (under the planner's mocks a step starts only once its dependencies finished).
 */
export function stepWaves(resources: PlannedResource[], prefix: string): StepWave[] {
  const commands = resources.filter((r) => r.type === "command:remote:Command").sort((a, b) => a.startedMs - b.startedMs);
  const waveOf = new Map<PlannedResource, number>();
  for (const command of commands) {
    const before = commands.filter((other) => waveOf.has(other) && other.finishedMs <= command.startedMs);
    waveOf.set(command, 1 + Math.max(0, ...before.map((other) => waveOf.get(other)!)));
  }
  const waves = new Map<number, string[]>();
  for (const [command, wave] of waveOf) {
    const name = command.name.startsWith(`${prefix}-`) ? command.name.slice(prefix.length + 1) : command.name;
    waves.set(wave, [...(waves.get(wave) ?? []), name]);
  }
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([wave, steps]) => ({ wave, steps: steps.sort() }));
}

/** Resource counts by type token, most numerous first. */
export function resourcesByType(resources: PlannedResource[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Everything the planner prints. */
export interface PlanReport {
  cloud: string;
  clusterName: string;
  plan: TopologyPlan;
  quorum: QuorumReport;
  apiServerEndpoint: string;
  resources: [string, number][];
  waves: StepWave[];
}

/** The human-readable plan. */
export function formatPlanReport(report: PlanReport): string {
  const { plan } = report;
  const lines: string[] = [];
  const controlPlanes = plan.nodes.filter((n) => n.role === "control-plane").length;
  const etcdMembers = plan.nodes.filter((n) => n.role === "etcd").length;
  lines.push(
    `Offline plan: ${report.cloud}, ${plan.etcdTopology} etcd, ${controlPlanes} control plane(s)` +
      (etcdMembers ? ` + ${etcdMembers} etcd member(s)` : "") +
      `, cluster "${report.clusterName}" (Pulumi mocks: nothing was created)`,
    "",
    "Nodes per zone",
  );
  const width = Math.max(...plan.zones.map((z) => z.length));
  for (const zone of plan.zones) {
    const nodes = plan.nodes.filter((n) => n.zone === zone).map((n) => `${n.name}${n.etcdVoter ? "*" : ""}`);
    lines.push(`  ${zone.padEnd(width)}  ${nodes.join(", ") || "(none)"}`);
  }
  lines.push("  (* = etcd voter)", "");
  const q = plan.quorum;
  lines.push(
    "Quorum and fault tolerance",
    `  etcd voters ${q.voters} (${plan.etcdTopology === "stacked" ? "on the control planes" : "external members"}), quorum ${q.quorumSize}`,
    `  survives ${q.nodeFailuresTolerated} voter failure(s) at once and the loss of ${q.zoneFailuresTolerated} zone(s)`,
    `  warnings: ${plan.warnings.length ? "" : "none"}`,
    ...plan.warnings.map((w) => `    - ${w}`),
    `  after bootstrap the quorum gate checks: member count ${q.voters}, no learner, no alarm, one cluster ID and one leader,`,
    `  every member healthy, /readyz through ${report.apiServerEndpoint}, control-plane nodes Ready`,
    "",
  );
  const total = report.resources.reduce((sum, [, n]) => sum + n, 0);
  lines.push(`Resources it would create (${total})`);
  const typeWidth = Math.max(...report.resources.map(([t]) => t.length));
  for (const [type, n] of report.resources) lines.push(`  ${type.padEnd(typeWidth)}  ${n}`);
  lines.push("", `Bootstrap steps in order (critical path: ${report.waves.length} sequential remote steps)`);
  for (const wave of report.waves) {
    const parallel = wave.steps.length > 1 ? `  [${wave.steps.length} in parallel]` : "";
    lines.push(`  ${String(wave.wave).padStart(2)}. ${wave.steps.join(", ")}${parallel}`);
  }
  lines.push("", "Stack outputs: kubeconfig (secret), apiServerEndpoint, nodes, etcdEndpoints, quorum");
  return lines.join("\n");
}
