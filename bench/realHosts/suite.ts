import { runChild } from "../support/childProcess";
import { childScript } from "../support/paths";
import { ratio, spread, Summary, summarize } from "../support/stats";
import { formatTable } from "../support/table";
import type { BringUpResult, RanWave } from "./child";
import { BENCH_TESTBED, freshHosts, hosts, keyFile, killEtcd, otherTestbeds, unavailableReason } from "./testbed";

/** External etcd member counts brought up. */
export const MEMBER_COUNTS = [3, 5, 7] as const;
const TIMEOUT_MS = 300_000;

/** One member count. */
export interface BringUpRow {
  members: number;
  /** First remote command to gate passed, ms. */
  wallMs: Summary;
  /** Component constructed to gate passed (adds real key/certificate generation), ms. */
  programMs: Summary;
  criticalPath: number;
  commands: number;
  /** The waves of the last run, with how long each took. */
  waves: RanWave[];
}

/** Machine-readable figures of the real-host benchmark (or why it was skipped). */
export interface RealHostResults {
  skipped?: string;
  runs: number;
  rows: BringUpRow[];
  /** Median wall time at 7 members over that at 3. */
  ratio7to3?: number;
  /** Other test beds that were up while this ran (their load skews the figures). */
  concurrentTestbeds: string[];
  testbed: typeof BENCH_TESTBED;
}

/** Brings the external etcd tier up on fresh test hosts for 3, 5 and 7 members, `runs` times each (round-robin). */
export async function realHostBench(runs: number, log: (line: string) => void): Promise<{ results: RealHostResults; table: string }> {
  const skipped = await unavailableReason();
  const concurrentTestbeds = skipped ? [] : await otherTestbeds();
  if (skipped) {
    return { results: { skipped, runs, rows: [], concurrentTestbeds, testbed: BENCH_TESTBED }, table: `Real bring-up: skipped (${skipped})\n` };
  }
  if (concurrentTestbeds.length > 0) log(`real hosts: warning: other test beds are up (${concurrentTestbeds.join(", ")}): figures will be skewed`);
  const samples = new Map<number, BringUpResult[]>(MEMBER_COUNTS.map((n) => [n, []]));
  try {
    for (let run = 1; run <= runs; run++) {
      for (const members of MEMBER_COUNTS) {
        log(`real hosts: run ${run}/${runs}, ${members} etcd members`);
        const addresses = await freshHosts(members);
        try {
          samples.get(members)!.push(await runChild<BringUpResult>(childScript("realHosts/child"), [keyFile(), ...addresses], TIMEOUT_MS));
        } finally {
          await killEtcd(addresses);
        }
      }
    }
  } finally {
    await hosts(["down"]);
  }
  const rows: BringUpRow[] = MEMBER_COUNTS.map((members) => {
    const list = samples.get(members)!;
    const last = list[list.length - 1];
    return {
      members,
      wallMs: summarize(list.map((r) => r.wallMs)),
      programMs: summarize(list.map((r) => r.programMs)),
      criticalPath: last.criticalPath,
      commands: last.commands,
      waves: last.waves,
    };
  });
  const ratio7to3 = ratio(rows[2].wallMs.median, rows[0].wallMs.median);
  const table = formatTable(
    `Real bring-up of the external etcd tier (EtcdCluster, executing mocks, real SSH/TLS/etcd), ms median (min-max) of ${runs}`,
    ["members", "first command -> gate", "construct -> gate", "remote steps", "critical path", "wave spans (last run), ms"],
    rows.map((r) => [String(r.members), spread(r.wallMs), spread(r.programMs), String(r.commands), String(r.criticalPath), r.waves.map((w) => w.spanMs).join(" / ")]),
  );
  return {
    results: { runs, rows, ratio7to3, concurrentTestbeds, testbed: BENCH_TESTBED },
    table: `${table}real bring-up 7:3 ratio: ${ratio7to3.toFixed(2)}x${concurrentTestbeds.length ? ` (other test beds were up: ${concurrentTestbeds.join(", ")})` : ""}\n`,
  };
}
