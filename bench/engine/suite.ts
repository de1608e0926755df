import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createPulumiProject, packLibrary } from "../../test/integration/harness/pulumiProject";
import type { EvaluationTiming } from "../evaluation/child";
import { runChild } from "../support/childProcess";
import { childScript } from "../support/paths";
import { ratio, spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";

/** Machine-readable figures of the engine benchmark. */
export interface EngineResults {
  runs: number;
  /** The first `pulumi preview` of the project (the language host compiles the TypeScript program cold), ms. */
  firstPreviewMs: number;
  /** `pulumi preview` of examples/aws-stacked by the real CLI, engine and language host (stand-in providers), ms wall. */
  previewMs: Summary;
  /** The same topology (AWS, 3 stacked control planes) evaluated under the library's mocks in a fresh node process, ms wall. */
  mocksMs: Summary;
  /** Resources the preview registered / the mocks registered (components included). */
  previewResources: number;
  mocksResources: number;
  /** Median preview over median mocks. */
  ratio: number;
}

function timed<T>(work: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = work();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

/**
 * The real engine's overhead on evaluation: `pulumi preview` of the copied-out aws-stacked example (CLI and Node.js
 * language host built from source, stand-in provider plugins) against the evaluation benchmark's child running the
 * same topology under mocks, both whole processes, interleaved, `runs` times each after one discarded preview.
 */
export async function engineBench(runs: number, log: (line: string) => void): Promise<{ results: EngineResults; table: string }> {
  const packDir = mkdtempSync(path.join(tmpdir(), "pulumi-k8s-ha-bench-pack-"));
  log("engine: packing the library and installing examples/aws-stacked from it");
  const project = createPulumiProject("aws-stacked", packLibrary(packDir), "bench");
  try {
    project.writeConfig(["aws:region: us-east-1", "aws-stacked:adminCidrs: [\"203.0.113.7/32\"]"]);
    project.installStandInProviders(["aws", "tls", "random", "command"]);
    const preview = () => {
      const result = project.pulumi(["preview", "--json"]);
      if (result.code !== 0) throw new Error(`pulumi preview exited ${result.code}:\n${result.output.slice(-4000)}`);
      return (JSON.parse(result.output) as { steps: unknown[] }).steps.length;
    };
    const [, firstPreviewMs] = timed(preview);
    const previews: number[] = [];
    const evaluations: number[] = [];
    let previewResources = 0;
    let mocksResources = 0;
    for (let run = 1; run <= runs; run++) {
      log(`engine: run ${run}/${runs}`);
      const [steps, previewMs] = timed(preview);
      previewResources = steps;
      previews.push(previewMs);
      const start = process.hrtime.bigint();
      mocksResources = (await runChild<EvaluationTiming>(childScript("evaluation/child"), ["time", "aws", "stacked", "3"], 120_000)).resources;
      evaluations.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const results: EngineResults = {
      runs,
      firstPreviewMs: Math.round(firstPreviewMs),
      previewMs: summarize(previews),
      mocksMs: summarize(evaluations),
      previewResources,
      mocksResources,
      ratio: ratio(summarize(previews).median, summarize(evaluations).median),
    };
    const table = formatTable(
      `Real engine vs mocks: AWS, 3 stacked control planes (${runs} runs each; first preview ${results.firstPreviewMs} ms, discarded)`,
      ["", "resources", "median ms (min-max)"],
      [
        ["pulumi preview (real CLI, stand-in providers)", String(previewResources), spread(results.previewMs)],
        ["evaluation under mocks (fresh node process)", String(mocksResources), spread(results.mocksMs)],
        ["ratio", "", String(results.ratio)],
      ],
    );
    return { results, table };
  } finally {
    project.remove();
    rmSync(packDir, { recursive: true, force: true });
  }
}
