/**
 * An example copied out of the repository the way a user copies it, installed from the packed library, and run
 * by the real `pulumi` CLI and Node.js language host built from source (test/testbed/build-upstream.sh). Every
 * project gets a private PULUMI_HOME, a local file backend and a passphrase secrets provider; ambient plugins
 * are ignored, plugin downloads and update checks are off, so nothing leaves the machine.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { upstreamBinary } from "./upstreamCache";

/** The repository: the nearest directory above this file with `examples/` (compiled benchmarks run from `.bench-dist/`). */
const REPO_ROOT = ((dir: string): string => {
    while (!existsSync(path.join(dir, "examples", "own-hosts", "Pulumi.yaml"))) {
        if (dir === path.dirname(dir)) throw new Error(`pulumiProject: no repository above ${__dirname}`);
        dir = path.dirname(dir);
    }
    return dir;
})(__dirname);
const STAND_IN_PROVIDER = path.join(REPO_ROOT, "test", "integration", "harness", "standInProvider.js");

/** What one CLI or npm invocation did. */
export interface CommandResult {
    code: number;
    /** stdout and stderr together, in order enough for assertions and failure messages. */
    output: string;
}

/** A copied-out example with its own stack. */
export interface PulumiProject {
    /** The project's directory (its own package.json, node_modules and Pulumi.<stack>.yaml). */
    dir: string;
    /** `pulumi <args>` in the project; `input` goes to standard input (how secrets are set, never as arguments). */
    pulumi(args: string[], input?: string): CommandResult;
    /** Appends `key: value` lines (YAML, values already rendered) under `config:` of the stack's settings file. */
    writeConfig(lines: string[]): void;
    /** The stack's settings file as written by the CLI. */
    stackSettings(): string;
    /** `pulumi stack export` as text (the state file). */
    exportState(): string;
    /**
     * Installs, as the resource plugins of `packages` (e.g. "aws", "tls"), at the versions the project's SDK
     * packages ask for, the stand-in provider of `standInProvider.js` (a preview under the real engine where the
     * real provider cannot be built).
     */
    installStandInProviders(packages: string[]): void;
    /**
     * Installs this library's Pulumi package `name` (`provider/<name>` of the installed library, e.g. "k8s-ha") as
     * a resource plugin, and returns the plugin executable. The executable does what the Node.js language host's
     * RunPlugin does for a `PulumiPlugin.yaml` directory (runs @pulumi/pulumi's run-plugin on it): the language
     * host built here (v3.68.0) predates RunPlugin and answers "not supported".
     */
    installComponentPackage(name: string): string;
    /** Removes the project, its state and its PULUMI_HOME. */
    remove(): void;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): CommandResult {
    const result = spawnSync(command, args, { cwd, env, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw result.error;
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
    const result = run(command, args, cwd, env);
    if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.code}:\n${result.output}`);
    return result.output;
}

/**
 * The directory of the CLI the project runs: the cached CLI's own when `languageHosts` is empty; otherwise a
 * directory under `root` with hard links to the CLI's files and to `languageHosts` (the CLI takes its language
 * hosts from its own directory and no other, and resolves that directory through symbolic links). Copies where
 * a hard link cannot be made (another file system).
 */
function cliWith(root: string, languageHosts: string[]): string {
    const cached = path.dirname(upstreamBinary("pulumi", undefined, "pulumi"));
    if (languageHosts.length === 0) return cached;
    const dir = path.join(root, "cli");
    mkdirSync(dir);
    for (const file of [...readdirSync(cached).map((name) => path.join(cached, name)), ...languageHosts]) {
        const target = path.join(dir, path.basename(file));
        try {
            linkSync(file, target);
        } catch {
            copyFileSync(file, target);
            chmodSync(target, 0o755);
        }
    }
    return dir;
}

/** Packs the library as `npm publish` would (its prepare script builds dist/ first): the tarball's path. */
export function packLibrary(into: string): string {
    const name = mustRun("npm", ["pack", "--silent", "--pack-destination", into], REPO_ROOT).trim().split("\n").pop() ?? "";
    return path.join(into, name);
}

/**
 * Copies `examples/<example>` into a fresh directory, points its `pulumi-k8s-ha` dependency at `tarball` (the
 * only edit a user copying it out makes: a version instead of the repository link), installs it with npm and
 * creates the stack `stack`.
 */
export function createPulumiProject(example: string, tarball: string, stack = "e2e", options: { languageHosts?: string[] } = {}): PulumiProject {
    const root = mkdtempSync(path.join(tmpdir(), `pulumi-k8s-ha-${example}-`));
    const dir = path.join(root, example);
    cpSync(path.join(REPO_ROOT, "examples", example), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    const manifestPath = path.join(dir, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["pulumi-k8s-ha"] = `file:${tarball}`;
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    mustRun("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], dir);

    const cliDir = cliWith(root, options.languageHosts ?? []);
    mkdirSync(path.join(root, "state"));
    const env: NodeJS.ProcessEnv = {
        HOME: root,
        PATH: [cliDir, path.dirname(process.execPath), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":"),
        PULUMI_HOME: path.join(root, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
    const pulumi = (args: string[], input?: string): CommandResult => run(path.join(cliDir, "pulumi"), [...args, "--non-interactive"], dir, env, input);
    const created = pulumi(["stack", "init", stack]);
    if (created.code !== 0) throw new Error(`pulumi stack init ${stack} exited ${created.code}:\n${created.output}`);
    const settingsPath = path.join(dir, `Pulumi.${stack}.yaml`);
    const stackSettings = (): string => readFileSync(settingsPath, "utf8");

    return {
        dir,
        pulumi,
        stackSettings,
        writeConfig(lines) {
            const settings = stackSettings();
            const withConfig = /^config:/m.test(settings) ? settings : `${settings.trimEnd()}\nconfig:\n`;
            writeFileSync(settingsPath, `${withConfig.trimEnd()}\n${lines.map((line) => `  ${line}`).join("\n")}\n`);
        },
        exportState() {
            const exported = pulumi(["stack", "export"]);
            if (exported.code !== 0) throw new Error(`pulumi stack export exited ${exported.code}:\n${exported.output}`);
            return exported.output;
        },
        installStandInProviders(packages) {
            mkdirSync(path.join(root, "stand-ins"), { recursive: true });
            for (const name of packages) {
                const sdk = JSON.parse(readFileSync(path.join(dir, "node_modules", "@pulumi", name, "package.json"), "utf8")) as { version: string; pulumi?: { version?: string } };
                const version = (sdk.pulumi?.version ?? sdk.version).replace(/^v/, "");
                const plugin = path.join(root, "stand-ins", `pulumi-resource-${name}`);
                writeFileSync(plugin, `#!/bin/sh\nexec '${process.execPath}' '${STAND_IN_PROVIDER}' '${dir}' ${name} ${version} "$@"\n`);
                chmodSync(plugin, 0o755);
                const installed = pulumi(["plugin", "install", "resource", name, `v${version}`, "--file", plugin]);
                if (installed.code !== 0) throw new Error(`pulumi plugin install resource ${name} v${version} exited ${installed.code}:\n${installed.output}`);
            }
        },
        installComponentPackage(name) {
            const pluginDir = path.join(dir, "node_modules", "pulumi-k8s-ha", "provider", name);
            const version = (JSON.parse(readFileSync(path.join(pluginDir, "package.json"), "utf8")) as { version: string }).version;
            const runPlugin = path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin");
            mkdirSync(path.join(root, "packages"), { recursive: true });
            const plugin = path.join(root, "packages", `pulumi-resource-${name}`);
            writeFileSync(plugin, `#!/bin/sh\nexec '${process.execPath}' '${runPlugin}' --pwd '${pluginDir}' '${pluginDir}' "$@"\n`);
            chmodSync(plugin, 0o755);
            const installed = pulumi(["plugin", "install", "resource", name, `v${version}`, "--file", plugin]);
            if (installed.code !== 0) throw new Error(`pulumi plugin install resource ${name} v${version} exited ${installed.code}:\n${installed.output}`);
            return plugin;
        },
        remove: () => rmSync(root, { recursive: true, force: true }),
    };
}
