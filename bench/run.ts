// `npm run bench`: performance benchmarks of pulumi-k8s-ha. Prints tables and writes bench/results.json.
//   node .bench-dist/bench/run.js [--only evaluation,inputs,load,hosts,kube,engine] [--runs N] [--host-runs N] [--kube-runs N] [--engine-runs N] [--out FILE]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { engineBench } from "./engine/suite";
import { evaluationBench } from "./evaluation/suite";
import { hostInputsBench } from "./hostInputs/suite";
import { kubeBringUpBench } from "./kubeBringUp/suite";
import { moduleLoadBench } from "./moduleLoad/suite";
import { realHostBench } from "./realHosts/suite";
import { REPO_ROOT } from "./support/paths";

const SUITES = {
  evaluation: (options: Options) => evaluationBench(options.runs, log),
  inputs: (options: Options) => hostInputsBench(options.runs, log),
  load: (options: Options) => moduleLoadBench(options.runs, log),
  hosts: (options: Options) => realHostBench(options.hostRuns, log),
  kube: (options: Options) => kubeBringUpBench(options.kubeRuns, log),
  engine: (options: Options) => engineBench(options.engineRuns, log),
};
type SuiteName = keyof typeof SUITES;

interface Options {
  only: SuiteName[];
  runs: number;
  hostRuns: number;
  kubeRuns: number;
  engineRuns: number;
  out: string;
}

const USAGE = `usage: npm run bench -- [--only evaluation,inputs,load,hosts,kube,engine] [--runs N (default 5)] [--host-runs N (default 3)] [--kube-runs N (default 1)] [--engine-runs N (default 3)] [--out FILE (default bench/results.json)]`;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function parse(argv: string[]): Options {
  const options: Options = { only: Object.keys(SUITES) as SuiteName[], runs: 5, hostRuns: 3, kubeRuns: 1, engineRuns: 3, out: path.join(REPO_ROOT, "bench", "results.json") };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[++i];
    const count = () => {
      if (!/^[1-9]\d*$/.test(value ?? "")) throw new Error(`${argv[i - 1]} needs a positive whole number\n${USAGE}`);
      return Number(value);
    };
    switch (argv[i - 1]) {
      case "--only": {
        const names = (value ?? "").split(",");
        const bad = names.filter((n) => !(n in SUITES));
        if (bad.length > 0 || names.length === 0) throw new Error(`--only: unknown suite(s) ${bad.join(", ")}\n${USAGE}`);
        options.only = names as SuiteName[];
        break;
      }
      case "--runs":
        options.runs = count();
        break;
      case "--host-runs":
        options.hostRuns = count();
        break;
      case "--kube-runs":
        options.kubeRuns = count();
        break;
      case "--engine-runs":
        options.engineRuns = count();
        break;
      case "--out":
        if (!value) throw new Error(`--out needs a file\n${USAGE}`);
        options.out = path.resolve(value);
        break;
      default:
        throw new Error(`unknown option ${argv[i - 1]}\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const started = Date.now();
  // Suites not run this time keep their earlier figures (each carries its own date and machine).
  const results: Record<string, unknown> = existsSync(options.out) ? JSON.parse(readFileSync(options.out, "utf8")) : {};
  for (const name of options.only) {
    const suiteStarted = Date.now();
    const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage1m: os.loadavg()[0] };
    const { results: figures, table } = await SUITES[name](options);
    process.stdout.write(`\n${table}`);
    results[name] = { measuredAt: new Date(suiteStarted).toISOString(), durationSeconds: Math.round((Date.now() - suiteStarted) / 1000), machine, ...figures };
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  }
  log(`done in ${Math.round((Date.now() - started) / 1000)} s; figures in ${path.relative(process.cwd(), options.out) || options.out}`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
