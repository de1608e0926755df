import { execFile } from "node:child_process";

/** Marker of the one stdout line a benchmark child prints with its figures (JSON after the marker). */
export const RESULT_MARKER = "BENCH-RESULT ";

/** user + system CPU time of a `process.cpuUsage(previous)` difference, in ms. */
export function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Prints a child's figures in the form {@link runChild} reads. */
export function emitResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/**
 * Runs a compiled benchmark child (`node script args...`) in a fresh process, so no module cache or Pulumi
 * runtime state carries over, and resolves with the figures it emitted. Rejects on a non-zero exit, a missing
 * result line or after `timeoutMs`.
 */
export function runChild<T>(script: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, env }, (error, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (error || line === undefined) {
        const why = error ? error.message : "no result line";
        reject(new Error(`bench child ${script} ${args.join(" ")}: ${why}\n${stdout.slice(-2000)}${stderr.slice(-4000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as T);
    });
  });
}
