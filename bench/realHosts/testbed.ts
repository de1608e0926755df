import { execFile } from "node:child_process";
import * as path from "node:path";
import { runSsh } from "../../test/integration/harness/ssh";
import { simulatedPreparationCommand } from "../../test/integration/harness/upstreamCache";
import { REPO_ROOT } from "../support/paths";

/**
 * The benchmark's own test bed: test/hosts/hosts.sh with a prefix, subnet and state directory of its own, so
 * it never touches (or is torn down by) the integration tests' `pkh` hosts. Override with BENCH_TESTBED_PREFIX,
 * BENCH_TESTBED_NET and BENCH_TESTBED_STATE.
 */
export const BENCH_TESTBED = {
  prefix: process.env.BENCH_TESTBED_PREFIX ?? "pkb",
  net: process.env.BENCH_TESTBED_NET ?? "10.214.0",
  state: process.env.BENCH_TESTBED_STATE ?? "/tmp/pulumi-k8s-ha-bench-testbed",
};

const HOSTS_SCRIPT = path.join(REPO_ROOT, "test", "hosts", "hosts.sh");

function run(file: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs, killSignal: "SIGKILL", env }, (error, stdout, stderr) =>
      error ? reject(new Error(`${path.basename(file)} ${args.join(" ")}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Runs hosts.sh with the benchmark's prefix, subnet and state directory. */
export function hosts(args: string[], timeoutMs = 60_000): Promise<string> {
  const env = { ...process.env, TESTBED_PREFIX: BENCH_TESTBED.prefix, TESTBED_NET: BENCH_TESTBED.net, TESTBED_STATE: BENCH_TESTBED.state };
  return run(HOSTS_SCRIPT, args, timeoutMs, env);
}

/** Why the real-host benchmark cannot run here, or undefined when it can (root, `ip`, `unshare`, etcd). */
export async function unavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  for (const tool of ["ip", "unshare", "sshd", "etcd", "etcdctl"]) {
    const found = await run("/bin/sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`], 10_000).then(() => true, () => false);
    if (!found) return `${tool} not installed`;
  }
  return undefined;
}

/** Network namespaces of other `pkh`-style test beds running now (the integration tests'): they skew timings. */
export async function otherTestbeds(): Promise<string[]> {
  const out = await run("ip", ["netns", "list"], 10_000);
  return out
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter((ns) => /^pk[a-z]*-h\d+$/.test(ns) && !ns.startsWith(`${BENCH_TESTBED.prefix}-`));
}

/** Host addresses h1..hN of the benchmark's bed. */
export function addresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${BENCH_TESTBED.net}.${11 + i}`);
}

/** Path of the bed's root login key (made by `up`). */
export const keyFile = () => path.join(BENCH_TESTBED.state, "keys", "id_ed25519");

/** Fresh hosts: tears down leftovers of the benchmark's own bed, starts `count` hosts, writes the preparation marker. */
export async function freshHosts(count: number): Promise<string[]> {
  await hosts(["down"]);
  await hosts(["up", String(count)]);
  const list = addresses(count);
  await Promise.all(
    list.map(async (host) => {
      const r = await runSsh({ host, keyFile: keyFile() }, { command: simulatedPreparationCommand(), timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`preparing ${host}: exit ${r.code}: ${r.stderr}`);
    }),
  );
  return list;
}

/**
 * Kills the etcd members on the hosts from inside them. A bed whose etcd processes are still running takes
 * ~4 s per host to tear down (hosts.sh `down` waits for each network namespace to go); killed first, ~1 s in all.
 */
export async function killEtcd(list: string[]): Promise<void> {
  const command = "pkill -KILL -x etcd; for _ in $(seq 1 50); do pgrep -x etcd >/dev/null || exit 0; sleep 0.1; done; exit 1";
  await Promise.all(list.map((host) => runSsh({ host, keyFile: keyFile() }, { command, timeoutMs: 30_000 })));
}
