import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/**
 * Requires `entries` (paths under src/) in a fresh Node process (TypeScript transpiled on the fly) and lists the
 * loaded modules under node_modules/@pulumi. Jest's own module registry does not fill require.cache.
 */
function loadedPulumiModules(entries: string[]): string[] {
  const script = `
    const ts = require("typescript");
    const fs = require("fs");
    require.extensions[".ts"] = (module, file) => {
      const out = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      module._compile(out.outputText, file);
    };
    for (const entry of ${JSON.stringify(entries.map((entry) => join(ROOT, "src", entry)))}) require(entry);
    const prefix = ${JSON.stringify(join(ROOT, "node_modules", "@pulumi"))};
    console.log(JSON.stringify(Object.keys(require.cache).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length + 1))));
  `;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
}

test("the library's other entries never load @pulumi/policy (an optional peer only policy users install)", () => {
  const loaded = loadedPulumiModules(["index.ts", "aws", "gcp", "hosts", "testing"]);
  expect(loaded.filter((p) => p.startsWith("aws/")).length).toBeGreaterThan(0);
  expect(loaded.filter((p) => p.startsWith("policy/"))).toEqual([]);
});

test("pulumi-k8s-ha/policy loads @pulumi/policy and no cloud SDK", () => {
  const loaded = loadedPulumiModules(["policy"]);
  expect(loaded).toContain("policy/policy.js");
  expect(loaded.filter((p) => p.startsWith("aws/") || p.startsWith("gcp/"))).toEqual([]);
});
