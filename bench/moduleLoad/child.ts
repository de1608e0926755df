// Requires the given modules, in order, in this fresh process and prints what it cost:
//   node child.js '{"first": [...], "then": [...], "libraryDir": "..."}'
// `first` and `then` are specifiers or absolute paths; `then` (optional) is timed separately after `first`,
// so "the library's own modules, once its dependencies are loaded" is measured within one process.
// With `libraryDir`, also lists every file outside it that a module inside it required first (the library's
// direct outside dependencies), so a baseline can load exactly those without the library.
import { performance } from "node:perf_hooks";
import * as path from "node:path";
import { cpuMs, emitResult } from "../support/childProcess";

/** What to load. */
export interface LoadRequest {
  /** Required first, timed as `requireMs`. */
  first: string[];
  /** Required next, timed as `thenMs`. @default [] */
  then?: string[];
  /** Directory of the compiled library, to list its outside dependencies. @default none */
  libraryDir?: string;
}

/** Figures of one load. */
export interface LoadResult {
  /** ms spent requiring `first`. */
  requireMs: number;
  /** CPU time (user + system) spent in them, ms. */
  requireCpuMs: number;
  /** ms spent requiring `then` afterwards (0 without). */
  thenMs: number;
  /** CPU time spent in them, ms. */
  thenCpuMs: number;
  /** ms from process start until everything was loaded. */
  readyAtMs: number;
  /** Modules in `require.cache` afterwards (this script's own two included). */
  modules: number;
  /** Of them, files of `@pulumi/aws`. */
  awsModules: number;
  /** Of them, files of `@pulumi/gcp`. */
  gcpModules: number;
  /** Resident set size afterwards, MiB. */
  rssMiB: number;
  /** With `libraryDir`: the outside files the library required directly. */
  external?: string[];
}

function directOutsideDependencies(libraryDir: string): string[] {
  const inside = (file: string) => file.startsWith(libraryDir + path.sep);
  const found = new Set<string>();
  for (const module of Object.values(require.cache)) {
    if (!module || !inside(module.filename)) continue;
    for (const child of module.children) if (!inside(child.filename)) found.add(child.filename);
  }
  return [...found].sort();
}

function timed(specifiers: string[]): { ms: number; cpuMs: number } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (const specifier of specifiers) require(specifier);
  return { ms: performance.now() - start, cpuMs: cpuMs(process.cpuUsage(cpu)) };
}

function main(): void {
  const request = JSON.parse(process.argv[2] ?? "{}") as LoadRequest;
  const first = timed(request.first ?? []);
  const then = timed(request.then ?? []);
  const readyAtMs = performance.now();
  const files = Object.keys(require.cache);
  const of = (pkg: string) => files.filter((file) => file.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`)).length;
  const result: LoadResult = {
    requireMs: first.ms,
    requireCpuMs: first.cpuMs,
    thenMs: then.ms,
    thenCpuMs: then.cpuMs,
    readyAtMs,
    modules: files.length,
    awsModules: of("@pulumi/aws"),
    gcpModules: of("@pulumi/gcp"),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    external: request.libraryDir ? directOutsideDependencies(path.resolve(request.libraryDir)) : undefined,
  };
  emitResult(result);
}

main();
