import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { COMPILED_LIBRARY, REPO_ROOT } from "../support/paths";

/** The library entries whose load cost is measured, by label, with their compiled file. */
export const ENTRIES = {
  aws: { label: "pulumi-k8s-ha/aws", file: path.join(COMPILED_LIBRARY, "aws", "index.js") },
  gcp: { label: "pulumi-k8s-ha/gcp", file: path.join(COMPILED_LIBRARY, "gcp", "index.js") },
  root: { label: "pulumi-k8s-ha", file: path.join(COMPILED_LIBRARY, "index.js") },
} as const;

/** One thing to load in a fresh process. */
export interface LoadCase {
  /** Row label. */
  label: string;
  /** Required first, in order; timed unless `then` is given. */
  first: string[];
  /** Required after `first` and timed alone. @default none */
  then?: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/**
 * The deep `@pulumi/<cloud>/...` modules the library's cloud directory imports (read from `src/<cloud>`), so the
 * "bare SDK pieces" baseline follows the code instead of a list kept by hand.
 */
export function cloudPieces(cloud: "aws" | "gcp"): string[] {
  const pattern = new RegExp(`from "(@pulumi/${cloud}(?:/[^"]*)?)"|require\\("(@pulumi/${cloud}(?:/[^"]*)?)"\\)`, "g");
  const found = new Set<string>();
  for (const file of sourceFiles(path.join(REPO_ROOT, "src", cloud))) {
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) found.add(match[1] ?? match[2]);
  }
  return [...found].sort();
}

/** An entry's cases: every outside dependency alone, the entry from cold, the entry's own modules once those are loaded. */
export function entryCases(entry: keyof typeof ENTRIES, external: string[]): LoadCase[] {
  const { label, file } = ENTRIES[entry];
  return [
    { label: `${label}'s outside deps (${external.length} files)`, first: external },
    { label: `${label} (compiled), cold`, first: [file] },
    { label: `${label} own modules, deps loaded`, first: external, then: [file] },
  ];
}

/** The cases of one cloud: Pulumi + the SDK root, Pulumi + the deep pieces the library uses, then the entry's. */
export function cloudCases(cloud: "aws" | "gcp", external: string[]): LoadCase[] {
  const pieces = cloudPieces(cloud);
  return [
    { label: `@pulumi/pulumi + @pulumi/${cloud} (root)`, first: ["@pulumi/pulumi", `@pulumi/${cloud}`] },
    { label: `@pulumi/pulumi + ${pieces.length} deep @pulumi/${cloud} modules`, first: ["@pulumi/pulumi", ...pieces] },
    ...entryCases(cloud, external),
  ];
}

/** A short name for an outside dependency file, for the report (`@pulumi/aws/ec2/index.js`). */
export function packagePath(file: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  return at < 0 ? path.relative(REPO_ROOT, file) : file.slice(at + marker.length);
}
