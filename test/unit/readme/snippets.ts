import * as path from "node:path";
import * as ts from "typescript";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "../../..");

/** A fenced TypeScript block of the README marked `<!-- snippet: NAME -->` on the line before its fence. */
export interface Snippet {
  name: string;
  code: string;
  /** 1-based README line of the block's first code line. */
  line: number;
}

/** Every marked snippet of a Markdown text, by name; a name used twice or a marker not followed by a ts fence throws. */
export function markedSnippets(markdown: string): Map<string, Snippet> {
  const snippets = new Map<string, Snippet>();
  const lines = markdown.split("\n");
  lines.forEach((text, index) => {
    const marker = /^<!--\s*snippet:\s*([a-z0-9-]+)\s*-->\s*$/.exec(text);
    if (!marker) return;
    const name = marker[1];
    if (!/^```(ts|typescript)\s*$/.test(lines[index + 1] ?? "")) throw new Error(`README line ${index + 1}: snippet ${name} is not followed by a \`\`\`ts fence`);
    const end = lines.findIndex((l, i) => i > index + 1 && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`README line ${index + 2}: the fence of snippet ${name} is never closed`);
    if (snippets.has(name)) throw new Error(`README line ${index + 1}: snippet ${name} is marked twice`);
    snippets.set(name, { name, code: lines.slice(index + 2, end).join("\n") + "\n", line: index + 3 });
  });
  return snippets;
}

/** A virtual source file of a type-check: where it lives (inside the repository, so node_modules resolve) and where it came from. */
export interface VirtualFile {
  path: string;
  snippet: Snippet;
}

/** The repository's compiler options (tsconfig.json, with its `paths` mapping `pulumi-k8s-ha/*` to src), for checking only. */
function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, incremental: false };
}

/**
 * Type-checks virtual files with the TypeScript compiler API against the library's sources, as a user's project
 * that imports `pulumi-k8s-ha/...` would be. Returns one line per problem in a virtual file (`README.md:<line>:
 * [snippet] message`), plus any global or option problem; nothing is written to disk. Parsed library and lib files
 * are shared between calls.
 */
export class SnippetChecker {
  private readonly options = compilerOptions();
  private readonly cache = new Map<string, ts.SourceFile | undefined>();
  private previous?: ts.Program;

  check(files: VirtualFile[]): string[] {
    const virtual = new Map(files.map((file) => [path.resolve(file.path), file]));
    const dirs = new Set([...virtual.keys()].map((file) => path.dirname(file)));
    const base = ts.createCompilerHost(this.options, true);
    const host: ts.CompilerHost = {
      ...base,
      fileExists: (name) => virtual.has(path.resolve(name)) || base.fileExists(name),
      readFile: (name) => virtual.get(path.resolve(name))?.snippet.code ?? base.readFile(name),
      directoryExists: (name) => dirs.has(path.resolve(name)) || (base.directoryExists?.(name) ?? ts.sys.directoryExists(name)),
      getSourceFile: (name, language) => {
        const file = virtual.get(path.resolve(name));
        if (file) return ts.createSourceFile(name, file.snippet.code, language, true);
        if (!this.cache.has(name)) this.cache.set(name, base.getSourceFile(name, language));
        return this.cache.get(name);
      },
    };
    const program = ts.createProgram({ rootNames: [...virtual.keys()], options: this.options, host, oldProgram: this.previous });
    this.previous = program;
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...[...virtual.keys()].flatMap((name) => {
        const source = program.getSourceFile(name);
        if (!source) return [];
        return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      }),
    ];
    return diagnostics.map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
      const file = diagnostic.file && virtual.get(path.resolve(diagnostic.file.fileName));
      if (!diagnostic.file || diagnostic.start === undefined) return message;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return file ? `README.md:${file.snippet.line + line}: [${file.snippet.name}] ${message}` : `${diagnostic.file.fileName}:${line + 1}: ${message}`;
    });
  }
}
