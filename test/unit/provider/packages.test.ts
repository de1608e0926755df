/**
 * One package per cloud: serving k8s-ha-aws never loads @pulumi/gcp (and the reverse), and k8s-ha loads neither.
 * Each package's classes are loaded in a fresh Node process (TypeScript transpiled on the fly), as the plugin
 * process loads them; Jest's own module registry does not fill require.cache.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPONENT_PACKAGES, componentPackage } from "../../../src/provider";

const ROOT = join(__dirname, "..", "..", "..");

/** The cloud SDKs (`aws`, `gcp`) loaded once package `name`'s classes are. */
function cloudsLoadedBy(name: string): string[] {
  const script = `
    const ts = require("typescript");
    const fs = require("fs");
    require.extensions[".ts"] = (module, file) => {
      const out = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      module._compile(out.outputText, file);
    };
    const classes = require(${JSON.stringify(join(ROOT, "src", "provider"))}).COMPONENT_PACKAGES[${JSON.stringify(name)}]();
    if (classes.length === 0) throw new Error("no classes");
    const prefix = ${JSON.stringify(join(ROOT, "node_modules", "@pulumi"))};
    const clouds = new Set(Object.keys(require.cache).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length + 1).split("/")[0]).filter((p) => p === "aws" || p === "gcp"));
    console.log(JSON.stringify([...clouds].sort()));
  `;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" })) as string[];
}

test.each([
  ["k8s-ha", []],
  ["k8s-ha-cluster", []],
  ["k8s-ha-aws", ["aws"]],
  ["k8s-ha-gcp", ["gcp"]],
])("package %s loads the cloud SDKs %j and no other", (name, clouds) => {
  expect(cloudsLoadedBy(name)).toEqual(clouds);
});

test("every package directory is named after its package; an unknown package name is refused naming the file and the served names", () => {
  for (const name of Object.keys(COMPONENT_PACKAGES)) expect(componentPackage(join(ROOT, "provider", name)).name).toBe(name);
  const dir = mkdtempSync(join(tmpdir(), "k8s-ha-provider-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "k8s-ha-azure" }));
    expect(() => componentPackage(dir)).toThrow(`${join(dir, "package.json")} names the package "k8s-ha-azure"; pulumi-k8s-ha serves k8s-ha, k8s-ha-cluster, k8s-ha-aws, k8s-ha-gcp.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
