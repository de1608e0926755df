import { runChild } from "../support/childProcess";
import { childScript } from "../support/paths";
import { ratio, spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";
import type { EvaluationTiming, EvaluationWaves } from "./child";

/** Control-plane counts measured (external etcd: the same number of members). */
export const COUNTS = [3, 5, 7, 9] as const;
const CLOUDS = ["aws", "gcp"] as const;
const TOPOLOGIES = ["stacked", "external"] as const;
const TIMEOUT_MS = 120_000;

/** One cloud + topology + count. */
export interface EvaluationRow {
  cloud: (typeof CLOUDS)[number];
  topology: (typeof TOPOLOGIES)[number];
  count: number;
  resources: number;
  /** ms from `defaultStack(...)` to every output resolved. */
  evaluationMs: Summary;
  /** CPU time of the evaluation, ms. */
  evaluationCpuMs: Summary;
  /** Median CPU time per registered resource, ms. */
  cpuMsPerResource: number;
  /** ms from process start until every module was loaded (not part of evaluationMs). */
  loadedAtMs: Summary;
  /** Sequential remote-step waves (offline planner recorder). */
  criticalPath: number;
  /** Remote commands in all. */
  commands: number;
}

/** Machine-readable figures of the evaluation benchmark. */
export interface EvaluationResults {
  runs: number;
  rows: EvaluationRow[];
  /** Median evaluation time at 9 over that at 3, per cloud/topology (target <= ~1.3). */
  ratio9to3: Record<string, number>;
  /** The same for CPU time. */
  ratio9to3Cpu: Record<string, number>;
}

/**
 * Runs `task` over `items` two at a time (the critical-path runs mostly sleep: each remote step "takes" the
 * recorder's STEP_MS), keeping the order of `items` in the result.
 */
async function inPairs<T, R>(items: T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 2) results.push(...(await Promise.all(items.slice(i, i + 2).map(task))));
  return results;
}

/** Evaluates the default stack for every cloud, topology and count, `runs` times each (round-robin), in fresh processes. */
export async function evaluationBench(runs: number, log: (line: string) => void): Promise<{ results: EvaluationResults; table: string }> {
  const keys = CLOUDS.flatMap((cloud) => TOPOLOGIES.flatMap((topology) => COUNTS.map((count) => ({ cloud, topology, count }))));
  const timings = new Map(keys.map((k) => [k, [] as EvaluationTiming[]]));
  for (let run = 1; run <= runs; run++) {
    log(`evaluation: run ${run}/${runs} (${keys.length} configurations)`);
    for (const k of keys) {
      timings.get(k)!.push(await runChild<EvaluationTiming>(childScript("evaluation/child"), ["time", k.cloud, k.topology, String(k.count)], TIMEOUT_MS));
    }
  }
  log("evaluation: critical paths (planner recorder)");
  const waves = await inPairs(keys, (k) => runChild<EvaluationWaves>(childScript("evaluation/child"), ["waves", k.cloud, k.topology, String(k.count)], TIMEOUT_MS));
  const rows: EvaluationRow[] = keys.map((k, i) => {
    const list = timings.get(k)!;
    return {
      ...k,
      resources: list[0].resources,
      evaluationMs: summarize(list.map((t) => t.evaluationMs)),
      evaluationCpuMs: summarize(list.map((t) => t.evaluationCpuMs)),
      cpuMsPerResource: Math.round((summarize(list.map((t) => t.evaluationCpuMs)).median / list[0].resources) * 100) / 100,
      loadedAtMs: summarize(list.map((t) => t.loadedAtMs)),
      criticalPath: waves[i].criticalPath,
      commands: waves[i].commands,
    };
  });
  const ratio9to3: Record<string, number> = {};
  const ratio9to3Cpu: Record<string, number> = {};
  for (const cloud of CLOUDS) {
    for (const topology of TOPOLOGIES) {
      const at = (count: number) => rows.find((r) => r.cloud === cloud && r.topology === topology && r.count === count)!;
      ratio9to3[`${cloud}/${topology}`] = ratio(at(9).evaluationMs.median, at(3).evaluationMs.median);
      ratio9to3Cpu[`${cloud}/${topology}`] = ratio(at(9).evaluationCpuMs.median, at(3).evaluationCpuMs.median);
    }
  }
  const table = formatTable(
    `Program evaluation under k8sHaMocks (fresh process per run), ms median (min-max) of ${runs}; external: N control planes + N etcd members`,
    ["cloud/topology", "N", "resources", "evaluation ms", "evaluation CPU ms", "CPU ms/resource", "load ms", "remote steps", "critical path"],
    rows.map((r) => [
      `${r.cloud}/${r.topology}`,
      String(r.count),
      String(r.resources),
      spread(r.evaluationMs),
      spread(r.evaluationCpuMs),
      r.cpuMsPerResource.toFixed(2),
      spread(r.loadedAtMs),
      String(r.commands),
      String(r.criticalPath),
    ]),
  );
  const show = (ratios: Record<string, number>) => Object.entries(ratios).map(([k, v]) => `${k} ${v.toFixed(2)}x`).join(", ");
  return {
    results: { runs, rows, ratio9to3, ratio9to3Cpu },
    table: `${table}evaluation 9:3 ratio (target <= ~1.3x): wall ${show(ratio9to3)}\n                                        CPU  ${show(ratio9to3Cpu)}\n`,
  };
}
