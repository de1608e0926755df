import { runChild } from "../support/childProcess";
import { childScript } from "../support/paths";
import { ratio, spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";
import type { KubeBringUpResult, Mode, RanStep } from "./child";
import { KUBE_BENCH_TESTBED, KUBERNETES_VERSION, kubeBenchEnv, otherTestbeds, ownNamespaces, tearDown, unavailableReason } from "./testbed";

/** Bound on one child: test bed up and images imported (~1 min), the bring-up (~2.5-5 min), teardown. */
const TIMEOUT_MS = 45 * 60_000;

/** The bare script's phase for a library step, where it does the same thing. */
const BARE_COUNTERPART: Readonly<Record<string, string>> = {
  "lb-0-haproxy": "lb-0-haproxy",
  "lb-0-keepalived": "lb-0-keepalived",
  "lb-1-haproxy": "lb-1-haproxy",
  "lb-1-keepalived": "lb-1-keepalived",
  "cp-0-files": "config",
  "cp-0-init": "init",
  cni: "cni",
  "cp-1-join": "cp-1-join",
  "cp-2-join": "cp-2-join",
};

/** Library steps that only check (the bare sequence has none). */
const isGate = (name: string) => name.endsWith("-gate") || name === "membership";

/** One row of the comparison: a library step, a bare phase, or an aggregate; ms. */
export interface KubeComparisonRow {
  step: string;
  library?: Summary;
  bare?: Summary;
  /** Median library over median bare. */
  ratio?: number;
}

/** Where the library's wall time goes: its critical chain (see child.ts) summed by kind, ms. */
export interface ChainBreakdown {
  /** Steps the bare sequence also runs (load balancers, config, init, CNI, joins). */
  commonSteps: Summary;
  /** Gates and the membership step. */
  gates: Summary;
  /** Other library-only steps on the chain (host ready, file placement, token refresh, kubeconfig). */
  otherLibrarySteps: Summary;
  /** Idle time between a step ending and the next starting (SSH dial retries, Pulumi scheduling). */
  betweenSteps: Summary;
  /** The chain of the last run: step names with duration/gap ms. */
  lastChain: string[];
}

/** A bring-up that failed: the suite records it and goes on (a bare kubeadm sequence can fail on its own timeouts). */
export interface KubeBringUpFailure {
  run: number;
  mode: Mode;
  /** The decisive line: kubeadm's "error execution phase ...", else the child's error. */
  reason: string;
  /** Phases the bare script finished before it failed, ms (bare only). */
  finishedPhases: { name: string; durationMs: number }[];
  /** The child's error output, shortened. */
  error: string;
}

/** Machine-readable figures of the Kubernetes bring-up benchmark (or why it was skipped). */
export interface KubeBringUpResults {
  skipped?: string;
  /** Pairs run (one library and one bare bring-up each). */
  runs: number;
  /** Order within each pair (alternating, library first in odd pairs). */
  order: Mode[][];
  /** First remote command to the end (library: final gate passed; bare: last join returned), library / bare. */
  ratio?: number;
  /** First remote command to the last join returned, library / bare. */
  ratioToLastJoin?: number;
  totals: KubeComparisonRow[];
  steps: KubeComparisonRow[];
  libraryChain?: ChainBreakdown;
  bareChain?: Pick<ChainBreakdown, "commonSteps" | "betweenSteps" | "lastChain">;
  /** Bare: ms from the last join returning until all 3 nodes were Ready (outside the bare figures). */
  bareNodesReadyAfterEndMs?: Summary;
  /** Bare: nodes Ready when the last join returned. */
  bareReadyNodesAtEnd?: number[];
  /** ms to bring up a fresh test bed (not in the figures). */
  setupMs?: Summary;
  /** Every bring-up that succeeded, as measured. */
  samples: KubeBringUpResult[];
  /** Bring-ups that failed (not in the figures). */
  failures: KubeBringUpFailure[];
  /** Other test beds that were up while this ran (their load skews the figures). */
  concurrentTestbeds: string[];
  /** The bed's namespaces left after the suite (must be none). */
  leftoverNamespaces: string[];
  testbed: typeof KUBE_BENCH_TESTBED;
}

const stepMs = (sample: KubeBringUpResult, name: string): number | undefined => sample.steps.find((s) => s.name === name)?.durationMs;
const spanMs = (steps: RanStep[]): number => Math.max(...steps.map((s) => s.endMs)) - Math.min(...steps.map((s) => s.startMs));

function row(step: string, library: number[], bare: number[]): KubeComparisonRow {
  const l = library.length > 0 ? summarize(library) : undefined;
  const b = bare.length > 0 ? summarize(bare) : undefined;
  return { step, library: l, bare: b, ratio: l && b && b.median > 0 ? ratio(l.median, b.median) : undefined };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function chainOf(samples: KubeBringUpResult[], library: boolean) {
  const part = (sample: KubeBringUpResult, pick: (name: string) => boolean) => sum(sample.criticalChain.filter((l) => pick(l.name)).map((l) => l.durationMs));
  const common = (name: string) => (library ? name in BARE_COUNTERPART : true);
  const last = samples[samples.length - 1];
  return {
    commonSteps: summarize(samples.map((s) => part(s, common))),
    gates: summarize(samples.map((s) => part(s, (n) => library && isGate(n)))),
    otherLibrarySteps: summarize(samples.map((s) => part(s, (n) => library && !common(n) && !isGate(n)))),
    betweenSteps: summarize(samples.map((s) => sum(s.criticalChain.map((l) => l.gapBeforeMs)))),
    lastChain: last.criticalChain.map((l) => `${l.name} ${l.durationMs}${l.gapBeforeMs > 0 ? ` (+${l.gapBeforeMs} before)` : ""}`),
  };
}

/** The decisive line of a failed child's error output, and the bare script's finished phases in it. */
export function failureOf(run: number, mode: Mode, thrown: unknown): KubeBringUpFailure {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const reason =
    /error execution phase[^\n]*/.exec(message)?.[0] ?? /^Error: (?!bench child)[^\n]*/m.exec(message)?.[0] ?? message.split("\n")[0];
  const finishedPhases = [...message.matchAll(/^PHASE (\S+) (\d+) (\d+)$/gm)].map((m) => ({ name: m[1], durationMs: Number(m[3]) - Number(m[2]) }));
  const error = message.length > 4000 ? `${message.slice(0, 2000)}\n...\n${message.slice(-2000)}` : message;
  return { run, mode, reason: reason.slice(0, 400), finishedPhases, error };
}

/**
 * The library's stacked bring-up and the bare kubeadm sequence, each on a fresh test bed, `runs` pairs in
 * alternating order; the bed is torn down after every bring-up and checked gone at the end. A failed bring-up is
 * recorded with its reason and left out of the figures.
 */
export async function kubeBringUpBench(runs: number, log: (line: string) => void): Promise<{ results: KubeBringUpResults; table: string }> {
  const skipped = await unavailableReason();
  if (skipped) {
    const results: KubeBringUpResults = { skipped, runs, order: [], totals: [], steps: [], samples: [], failures: [], concurrentTestbeds: [], leftoverNamespaces: [], testbed: KUBE_BENCH_TESTBED };
    return { results, table: `Kubernetes bring-up, library vs bare kubeadm: skipped (${skipped})\n` };
  }
  const concurrent = new Set(await otherTestbeds());
  if (concurrent.size > 0) log(`kube: warning: other test beds are up (${[...concurrent].join(", ")}): figures will be skewed`);
  const samples: KubeBringUpResult[] = [];
  const failures: KubeBringUpFailure[] = [];
  const order: Mode[][] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const pair: Mode[] = run % 2 === 1 ? ["library", "bare"] : ["bare", "library"];
      order.push(pair);
      for (const mode of pair) {
        log(`kube: run ${run}/${runs}, ${mode} bring-up on a fresh test bed (${KUBE_BENCH_TESTBED.prefix}, ${KUBE_BENCH_TESTBED.net}.0/24)`);
        try {
          const result = await runChild<KubeBringUpResult>(childScript("kubeBringUp/child"), [mode], TIMEOUT_MS, kubeBenchEnv());
          result.concurrentTestbeds.forEach((ns) => concurrent.add(ns));
          log(`kube: ${mode}: ${(result.wallMs / 1000).toFixed(1)} s first command -> end (bed set-up ${(result.setupMs / 1000).toFixed(1)} s, not counted)`);
          samples.push(result);
        } catch (error) {
          const failure = failureOf(run, mode, error);
          failures.push(failure);
          log(`kube: ${mode} bring-up failed: ${failure.reason}`);
        } finally {
          await tearDown();
        }
      }
    }
  } finally {
    await tearDown().catch((error) => log(`kube: teardown failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  const leftoverNamespaces = await ownNamespaces();
  if (leftoverNamespaces.length > 0) log(`kube: warning: namespaces left: ${leftoverNamespaces.join(", ")}`);
  (await otherTestbeds()).forEach((ns) => concurrent.add(ns));
  return summarizeKube({ runs, order, samples, failures, concurrentTestbeds: [...concurrent].sort(), leftoverNamespaces });
}

/** The figures and the table from the bring-ups (pure: no test bed). */
export function summarizeKube(input: {
  runs: number;
  order: Mode[][];
  samples: KubeBringUpResult[];
  failures: KubeBringUpFailure[];
  concurrentTestbeds: string[];
  leftoverNamespaces: string[];
}): { results: KubeBringUpResults; table: string } {
  const { runs, order, samples, failures, concurrentTestbeds, leftoverNamespaces } = input;
  const library = samples.filter((s) => s.mode === "library");
  const bare = samples.filter((s) => s.mode === "bare");
  // Rows: the library's steps in the order they started (the bare phases beside their counterparts), or the bare
  // phases alone when no library bring-up succeeded.
  const libraryNames = library.length > 0 ? library[library.length - 1].steps.map((x) => x.name) : [];
  const bareOnly = bare.length > 0 ? bare[bare.length - 1].steps.map((x) => x.name).filter((n) => !Object.values(BARE_COUNTERPART).includes(n) || libraryNames.length === 0) : [];
  const steps: KubeComparisonRow[] = [
    ...libraryNames.map((name) => {
      const counterpart = BARE_COUNTERPART[name];
      const label = counterpart === undefined || counterpart === name ? name : `${name} | bare: ${counterpart}`;
      return row(
        label,
        library.map((s) => stepMs(s, name)).filter((v): v is number => v !== undefined),
        counterpart === undefined ? [] : bare.map((s) => stepMs(s, counterpart)).filter((v): v is number => v !== undefined),
      );
    }),
    ...bareOnly.map((name) => row(`bare: ${name}`, [], bare.map((s) => stepMs(s, name)).filter((v): v is number => v !== undefined))),
  ];
  const lbSpan = (s: KubeBringUpResult) => spanMs(s.steps.filter((x) => x.name.startsWith("lb-")));
  const gateSum = (s: KubeBringUpResult) => sum(s.steps.filter((x) => isGate(x.name)).map((x) => x.durationMs));
  const totals: KubeComparisonRow[] = [
    row("load balancers (first start -> last end)", library.map(lbSpan), bare.map(lbSpan)),
    row("gates + membership (sum of step times)", library.map(gateSum), []),
    row("first command -> last join returned", library.map((s) => s.toLastJoinMs), bare.map((s) => s.toLastJoinMs)),
    row("first command -> end (TOTAL)", library.map((s) => s.wallMs), bare.map((s) => s.wallMs)),
    row("construct / script start -> end", library.map((s) => s.programMs), bare.map((s) => s.programMs)),
  ];
  const total = totals[3];
  const toLastJoin = totals[2];
  const libraryChain = library.length > 0 ? chainOf(library, true) : undefined;
  const bareChain = bare.length > 0 ? chainOf(bare, false) : undefined;
  const bareReady = bare.map((s) => s.nodesReadyAfterEndMs).filter((v): v is number => v !== undefined);
  const results: KubeBringUpResults = {
    runs,
    order,
    ratio: total.ratio,
    ratioToLastJoin: toLastJoin.ratio,
    totals,
    steps,
    libraryChain,
    bareChain: bareChain && { commonSteps: bareChain.commonSteps, betweenSteps: bareChain.betweenSteps, lastChain: bareChain.lastChain },
    bareNodesReadyAfterEndMs: bareReady.length > 0 ? summarize(bareReady) : undefined,
    bareReadyNodesAtEnd: bare.map((s) => s.readyNodesAtEnd).filter((v): v is number => v !== undefined),
    setupMs: samples.length > 0 ? summarize(samples.map((s) => s.setupMs)) : undefined,
    samples,
    failures,
    concurrentTestbeds,
    leftoverNamespaces,
    testbed: KUBE_BENCH_TESTBED,
  };

  const cell = (x?: Summary) => (x === undefined ? "-" : x.n === 1 ? x.median.toFixed(0) : spread(x));
  const counts = `${library.length} library / ${bare.length} bare bring-up(s)${failures.length ? `, ${failures.length} failed` : ""}`;
  const table = formatTable(
    `Kubernetes bring-up, 3 stacked control planes + 2 HAProxy/keepalived hosts (kind-node-like hosts, kubeadm ${KUBERNETES_VERSION}): library (HostsControlPlane, executing mocks) vs bare kubeadm over SSH (bench/kubeBringUp/bare.sh), ms, median (min-max) of ${counts}`,
    ["step (library | bare)", "library ms", "bare ms", "library/bare"],
    [...steps, ...totals].map((r) => [r.step, cell(r.library), cell(r.bare), r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`]),
  );
  const sec = (ms?: number) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
  const x = (r?: number) => (r === undefined ? "n/a" : `${r.toFixed(2)}x`);
  const lastBare = bare[bare.length - 1];
  const lines = [
    `kube ratio library/bare, first command -> end: ${x(total.ratio)} (${sec(total.library?.median)} vs ${sec(total.bare?.median)}); at the last join: ${x(toLastJoin.ratio)}`,
    ...(libraryChain
      ? [`library critical chain: common steps ${sec(libraryChain.commonSteps.median)}, gates ${sec(libraryChain.gates.median)}, other library steps ${sec(libraryChain.otherLibrarySteps.median)}, between steps ${sec(libraryChain.betweenSteps.median)}`]
      : []),
    ...(bareChain
      ? [`bare critical chain: steps ${sec(bareChain.commonSteps.median)}, between steps ${sec(bareChain.betweenSteps.median)}; all 3 nodes Ready ${sec(results.bareNodesReadyAfterEndMs?.median)} after its last join (${results.bareReadyNodesAtEnd!.join("/")} of 3 Ready when it returned)`]
      : []),
    ...Object.entries(lastBare?.kubeadmWaits ?? {}).map(
      ([step, waits]) => `bare ${step}, longest pauses in kubeadm's output (last run): ${waits.slice(0, 2).map((w) => `${sec(w.ms)} after "${w.after}"`).join("; ")}`,
    ),
    ...failures.map(
      (f) => `FAILED: run ${f.run} ${f.mode}: ${f.reason}${f.finishedPhases.length ? ` (finished: ${f.finishedPhases.map((p) => `${p.name} ${p.durationMs}`).join(", ")} ms)` : ""}`,
    ),
    ...(samples.some((s) => s.loadAverage1m)
      ? [`1-minute load average at start/end: ${samples.filter((s) => s.loadAverage1m).map((s) => `${s.mode} ${s.loadAverage1m.start}/${s.loadAverage1m.end}`).join(", ")}`]
      : []),
    `order per pair: ${order.map((p) => p.join(" then ")).join("; ")}${concurrentTestbeds.length ? `; other test beds were up: ${concurrentTestbeds.join(", ")}` : ""}`,
  ];
  return { results, table: `${table}${lines.join("\n")}\n` };
}
