import { runChild } from "../support/childProcess";
import { childScript, COMPILED_LIBRARY } from "../support/paths";
import { spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";
import type { LoadRequest, LoadResult } from "./child";
import { cloudCases, ENTRIES, entryCases, LoadCase, packagePath } from "./cases";

type Entry = keyof typeof ENTRIES;

/** One row of the module-load table. */
export interface LoadRow {
  label: string;
  /** Loaded first (package-relative paths). */
  first: string[];
  /** Loaded and timed after `first`, when the row times only those. */
  then?: string[];
  /** Wall time of the timed part, ms. */
  ms: Summary;
  /** CPU time of the timed part, ms. */
  cpuMs: Summary;
  modules: number;
  awsModules: number;
  gcpModules: number;
  rssMiB: number;
}

/** Machine-readable figures of the module-load benchmark. */
export interface ModuleLoadResults {
  runs: number;
  rows: LoadRow[];
  /** The outside files each entry requires directly (package-relative). */
  outsideDependencies: Record<Entry, string[]>;
  /** Median wall ms of loading an entry's own modules once its outside dependencies are loaded. */
  libraryOwnMs: Record<Entry, number>;
  /** `@pulumi/gcp` files loaded by the AWS entry, `@pulumi/aws` files by the GCP entry, either by the root (all must be 0). */
  crossCloudModules: { awsEntryLoadsGcp: number; gcpEntryLoadsAws: number; rootLoadsAws: number; rootLoadsGcp: number };
}

const TIMEOUT_MS = 60_000;
const load = (request: LoadRequest) => runChild<LoadResult>(childScript("moduleLoad/child"), [JSON.stringify(request)], TIMEOUT_MS);

async function discover(entry: Entry): Promise<string[]> {
  return (await load({ first: [ENTRIES[entry].file], libraryDir: COMPILED_LIBRARY })).external ?? [];
}

/** Runs every case `runs` times, round-robin (so drift hits every case alike), each in a fresh process. */
export async function moduleLoadBench(runs: number, log: (line: string) => void): Promise<{ results: ModuleLoadResults; table: string }> {
  const outside = { aws: await discover("aws"), gcp: await discover("gcp"), root: await discover("root") };
  const cases: LoadCase[] = [
    { label: "@pulumi/pulumi", first: ["@pulumi/pulumi"] },
    ...cloudCases("aws", outside.aws),
    ...cloudCases("gcp", outside.gcp),
    ...entryCases("root", outside.root),
  ];
  const samples = new Map<LoadCase, LoadResult[]>(cases.map((c) => [c, []]));
  for (let run = 1; run <= runs; run++) {
    log(`module load: run ${run}/${runs} (${cases.length} cases)`);
    for (const c of cases) samples.get(c)!.push(await load({ first: c.first, then: c.then }));
  }
  const rows: LoadRow[] = cases.map((c) => {
    const list = samples.get(c)!;
    const last = list[list.length - 1];
    return {
      label: c.label,
      first: c.first.map(packagePath),
      then: c.then?.map(packagePath),
      ms: summarize(list.map((r) => (c.then ? r.thenMs : r.requireMs))),
      cpuMs: summarize(list.map((r) => (c.then ? r.thenCpuMs : r.requireCpuMs))),
      modules: last.modules,
      awsModules: last.awsModules,
      gcpModules: last.gcpModules,
      rssMiB: last.rssMiB,
    };
  });
  const row = (suffix: string, entry: Entry) => rows.find((r) => r.label === `${ENTRIES[entry].label}${suffix}`)!;
  const cold = (entry: Entry) => row(" (compiled), cold", entry);
  const own = (entry: Entry) => row(" own modules, deps loaded", entry).ms.median;
  const results: ModuleLoadResults = {
    runs,
    rows,
    outsideDependencies: { aws: outside.aws.map(packagePath), gcp: outside.gcp.map(packagePath), root: outside.root.map(packagePath) },
    libraryOwnMs: { aws: own("aws"), gcp: own("gcp"), root: own("root") },
    crossCloudModules: {
      awsEntryLoadsGcp: cold("aws").gcpModules,
      gcpEntryLoadsAws: cold("gcp").awsModules,
      rootLoadsAws: cold("root").awsModules,
      rootLoadsGcp: cold("root").gcpModules,
    },
  };
  const table = formatTable(
    `Module load: require() in a fresh node process, wall and CPU ms, median (min-max) of ${runs}`,
    ["what is required", "ms", "CPU ms", "modules", "aws files", "gcp files", "RSS MiB"],
    rows.map((r) => [r.label, spread(r.ms), spread(r.cpuMs), String(r.modules), String(r.awsModules), String(r.gcpModules), String(r.rssMiB)]),
  );
  const c = results.crossCloudModules;
  const notes = [
    `the library's own modules (median, after its outside deps): aws ${own("aws")} ms, gcp ${own("gcp")} ms, root ${own("root")} ms`,
    `cross-cloud loads (must be 0): aws entry -> @pulumi/gcp ${c.awsEntryLoadsGcp}, gcp entry -> @pulumi/aws ${c.gcpEntryLoadsAws}, root -> aws ${c.rootLoadsAws} / gcp ${c.rootLoadsGcp}`,
    "",
  ];
  return { results, table: `${table}${notes.join("\n")}` };
}
