import { runChild } from "../support/childProcess";
import { childScript } from "../support/paths";
import { ratio, spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";
import type { HostInputsTiming } from "./child";

const MODES = ["plain", "referenced"] as const;
const TIMEOUT_MS = 120_000;

/** Machine-readable figures of the host-inputs benchmark. */
export interface HostInputsResults {
  runs: number;
  rows: { mode: (typeof MODES)[number]; resources: number; evaluationMs: Summary; evaluationCpuMs: Summary }[];
  /** Median evaluation time with the values read from another stack over that with plain values. */
  ratio: number;
  /** The same for CPU time. */
  ratioCpu: number;
}

/**
 * `HostsControlPlane` (3 stacked control planes, 2 HAProxy hosts) evaluated under mocks with its addresses and users
 * as plain strings (the baseline) and read from another stack (checked once known, then built), `runs` times each,
 * interleaved, fresh processes.
 */
export async function hostInputsBench(runs: number, log: (line: string) => void): Promise<{ results: HostInputsResults; table: string }> {
  const timings = new Map(MODES.map((mode) => [mode, [] as HostInputsTiming[]]));
  for (let run = 1; run <= runs; run++) {
    log(`host inputs: run ${run}/${runs}`);
    for (const mode of MODES) timings.get(mode)!.push(await runChild<HostInputsTiming>(childScript("hostInputs/child"), [mode], TIMEOUT_MS));
  }
  const rows = MODES.map((mode) => {
    const list = timings.get(mode)!;
    return { mode, resources: list[0].resources, evaluationMs: summarize(list.map((t) => t.evaluationMs)), evaluationCpuMs: summarize(list.map((t) => t.evaluationCpuMs)) };
  });
  const [plain, referenced] = rows;
  const results = { runs, rows, ratio: ratio(referenced.evaluationMs.median, plain.evaluationMs.median), ratioCpu: ratio(referenced.evaluationCpuMs.median, plain.evaluationCpuMs.median) };
  const table = formatTable(
    `HostsControlPlane under k8sHaMocks, addresses plain vs from another stack (fresh process per run), ms median (min-max) of ${runs}`,
    ["inputs", "resources", "evaluation ms", "evaluation CPU ms"],
    rows.map((r) => [r.mode, String(r.resources), spread(r.evaluationMs), spread(r.evaluationCpuMs)]),
  );
  return { results, table: `${table}from another stack / plain: wall ${results.ratio.toFixed(2)}x, CPU ${results.ratioCpu.toFixed(2)}x\n` };
}
