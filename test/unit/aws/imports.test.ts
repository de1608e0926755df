import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/**
 * Requires src/aws in a fresh Node process (TypeScript transpiled on the fly) and lists the loaded modules
 * under node_modules/@pulumi. Jest's own module registry does not fill require.cache, hence the child process.
 */
function loadedPulumiModules(): string[] {
  const script = `
    const ts = require("typescript");
    const fs = require("fs");
    require.extensions[".ts"] = (module, file) => {
      const out = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      module._compile(out.outputText, file);
    };
    require(${JSON.stringify(join(ROOT, "src", "aws"))});
    const prefix = ${JSON.stringify(join(ROOT, "node_modules", "@pulumi"))};
    console.log(JSON.stringify(Object.keys(require.cache).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length + 1))));
  `;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
}

describe("loading pulumi-k8s-ha/aws", () => {
  const loaded = loadedPulumiModules();

  test("loads deep @pulumi/aws modules", () => {
    expect(loaded).toEqual(expect.arrayContaining(["aws/ec2/index.js", "aws/lb/index.js", "aws/vpc/index.js", "aws/s3/index.js", "aws/iam/index.js", "aws/getAvailabilityZones.js"]));
  });

  test("never loads @pulumi/gcp", () => {
    expect(loaded.filter((p) => p.startsWith("gcp/"))).toEqual([]);
  });

  test("never loads the @pulumi/aws top-level index", () => {
    expect(loaded).not.toContain("aws/index.js");
  });

});
