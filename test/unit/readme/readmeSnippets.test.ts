import * as fs from "node:fs";
import * as path from "node:path";
import { markedSnippets, ROOT, Snippet, SnippetChecker, VirtualFile } from "./snippets";

/**
 * The README's code is what a new user copies first: its marked snippets must compile against the library as
 * written. Each stack snippet is a user project's `index.ts`; the README's test (and the worker-join example) import
 * it as `./index`, so a renamed output or argument breaks this test, not the user.
 */
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const snippets = markedSnippets(README);
const snippet = (name: string): Snippet => {
  const found = snippets.get(name);
  if (!found) throw new Error(`README has no snippet marked <!-- snippet: ${name} -->`);
  return found;
};
/** Projects live under the repository (never written): node_modules and the `pulumi-k8s-ha/*` paths resolve from there. */
const projectDir = (name: string) => path.join(ROOT, ".readme-snippets", name);
const file = (project: string, fileName: string, source: Snippet): VirtualFile => ({ path: path.join(projectDir(project), fileName), snippet: source });

/** Every marked snippet, as the user projects they belong to. */
function readmeProjects(): VirtualFile[] {
  return [
    file("aws", "index.ts", snippet("stack-aws")),
    file("aws", "index.test.ts", snippet("test-aws")),
    file("aws", "worker.ts", snippet("worker-join")),
    file("gcp", "index.ts", snippet("stack-gcp")),
    file("hosts", "index.ts", snippet("stack-hosts")),
    file("shared", "index.ts", snippet("stack-from-stacks")),
    file("inventory", "index.ts", snippet("hosts-from-stacks")),
  ];
}

let checker: SnippetChecker;
beforeAll(() => {
  checker = new SnippetChecker();
});

describe("README snippets", () => {
  test("the README marks a stack per cloud, the test of a stack and the worker join, and every marked snippet is checked", () => {
    expect([...snippets.keys()].sort()).toEqual(["hosts-from-stacks", "stack-aws", "stack-from-stacks", "stack-gcp", "stack-hosts", "test-aws", "worker-join"]);
    expect(new Set(readmeProjects().map((f) => f.snippet.name)).size).toBe(snippets.size);
    // A first stack in about 15 lines per cloud.
    for (const name of ["stack-aws", "stack-gcp", "stack-hosts", "stack-from-stacks"]) {
      expect(snippet(name).code.trim().split("\n").length).toBeLessThanOrEqual(17);
    }
    expect(snippet("test-aws").code).toContain('await import("./index")');
    expect(snippet("test-aws").code).toContain('from "pulumi-k8s-ha/testing"');
  });

  test(
    "every snippet type-checks against the library's sources, the test snippet against the stack snippet as written",
    () => {
      expect(checker.check(readmeProjects())).toEqual([]);
    },
    240_000,
  );

  test(
    "the check fails where the README would mislead: an unknown argument, an output the stack does not export, a helper testing does not export",
    () => {
      const edited = (source: Snippet, from: string, to: string): Snippet => {
        expect(source.code).toContain(from);
        return { ...source, code: source.code.replace(from, to) };
      };
      const problems = checker.check([
        file("aws", "index.ts", edited(snippet("stack-aws"), "clusterName:", "clusterNmae:")),
        file("aws", "index.test.ts", edited(snippet("test-aws"), "stack.workerJoinCommand)).toMatch", "stack.workerJoinCommnd)).toMatch")),
        file("gcp", "index.ts", snippet("stack-gcp")),
        file("gcp", "index.test.ts", edited(snippet("test-aws"), "k8sHaMocks, outputValue", "k8sHaMocks, outputValu")),
      ]);
      const stackAws = snippet("stack-aws");
      const line = stackAws.line + stackAws.code.split("\n").findIndex((l) => l.includes("clusterName:"));
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^README\\.md:${line}: \\[stack-aws\\] .*'clusterNmae' does not exist`)),
          expect.stringMatching(/^README\.md:\d+: \[test-aws\] .*'workerJoinCommnd'/),
          expect.stringMatching(/^README\.md:\d+: \[test-aws\] .*'outputValu'/),
        ]),
      );
    },
    240_000,
  );
});

describe("README: the pulumi-k8s-ha/testing table", () => {
  test("names exactly the runtime exports of pulumi-k8s-ha/testing", async () => {
    const marker = README.indexOf("<!-- testing-exports -->");
    expect(marker).toBeGreaterThan(0);
    const rows = README.slice(marker).split("\n").slice(1);
    const table = rows.slice(0, rows.findIndex((row) => !row.startsWith("|")));
    const named = table.slice(2).flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    const testing = await import("../../../src/testing");
    const typeOnly = ["MockInvokes", "K8sHaMockOptions", "MockSubnet", "MockSubnetwork"];
    expect(named.filter((name) => !typeOnly.includes(name)).sort()).toEqual(Object.keys(testing).sort());
  });

  test("the package's ./testing entry is the one the table describes", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["./testing"]).toEqual({ types: "./dist/testing/index.d.ts", default: "./dist/testing/index.js" });
  });
});
