/**
 * "Executing mocks": a `pulumi.runtime.setMocks` implementation that really runs `command:remote:Command` over SSH
 * on the test hosts, really copies `command:remote:CopyToRemote` sources, runs `command:local:Command` locally,
 * and makes real keys/certificates for @pulumi/tls. Every resource and the start/end time of its work is
 * recorded, for ordering assertions and benchmarks.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { randomStringState } from "./randomResources";
import { runSsh, SSH_CONNECT_FAILURE, SshResult, SshTarget } from "./ssh";
import { certRequestState, locallySignedCertState, privateKeyState, Props, selfSignedCertState } from "./tlsResources";

/** Marker key/value of a serialized secret (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces every serialized secret wrapper in a value (recursively) by the value it wraps. */
export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === SECRET_VALUE) {
            return unwrapSecrets(o.value);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v; // assets, archives and primitives
}

/** One resource the program registered. Mutable fields are filled in when its work ends. */
export interface ResourceRecord {
    /** Type token, e.g. "command:remote:Command". */
    readonly type: string;
    /** Resource name. */
    readonly name: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Props;
    /** `Date.now()` when its work (SSH command, key generation, ...) started. */
    readonly startedAtMs: number;
    /** `Date.now()` when its work ended; undefined while running. */
    endedAtMs?: number;
    /** Returned state, once it succeeded. */
    state?: Props;
    /** The failure, if it failed. */
    error?: Error;
    /** SSH dial attempts made (remote commands and copies only). */
    dialAttempts?: number;
    /** True when the state came from an earlier run (`replayState`) instead of the resource's work. */
    replayed?: boolean;
}

/** Options of the executing mocks. */
export interface ExecutingMocksOptions {
    /** Bound on retrying SSH dials (dialErrorLimit -1, or a positive limit). @default 60000 */
    readonly maxDialWaitMs?: number;
    /** Pause between SSH dial attempts. @default 500 */
    readonly dialRetryDelayMs?: number;
    /** Upper bound on OpenSSH `ConnectTimeout` (the smaller of this and `perDialTimeout` is used). @default 5 */
    readonly connectTimeoutSeconds?: number;
    /** Bound on one command's run after connecting. @default 300000 */
    readonly commandTimeoutMs?: number;
    /**
     * Extra handlers by type token, tried before the built-in ones; return the state (id = name + "-id").
     * @default none
     */
    readonly handlers?: Readonly<Record<string, (inputs: Props, name: string) => Promise<Props>>>;
    /**
     * What a failed resource does: `reject` (the real engine's behaviour: the update fails), or `hold`: record the
     * failure and never settle, so its dependents never start and nothing rejects inside the Pulumi runtime (Jest
     * fails a test on such rejections). `hold` stands for an update that failed and was abandoned; the test reads
     * the failure from {@link ExecutingMocks.settled} and runs the program again. @default "reject"
     */
    readonly onFailure?: "reject" | "hold";
    /**
     * Like the engine's state between updates: a resource registered again under the same type and name, with the
     * same inputs, gets the state it got the first time (same keys, certificates, tokens) instead of new ones.
     * Remote and local commands still run every time: a re-run proves the scripts are idempotent, more than the
     * engine would (it runs an unchanged command only once). @default false
     */
    readonly replayState?: boolean;
    /**
     * With `replayState`: `false` treats commands like the engine does between updates too: a command registered
     * again with the same inputs as an earlier run that succeeded is not run again and gets that run's state (its
     * record has `replayed: true`); a command that failed, or never ran, runs. For tests of an update that failed
     * half-way and is run again, where re-running the steps that succeeded would test more than the engine does
     * (e.g. a gate that passed before a join was interrupted would now see the learner it left). @default true
     */
    readonly rerunCommands?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** OpenSSH messages that mean "could not reach/handshake with sshd" (as opposed to a remote exit code 255). */
const DIAL_FAILURE = /ssh: connect to host|kex_exchange_identification|Connection (closed|reset) by|banner exchange|ssh: Could not resolve/;

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The Pulumi mocks. Use `setExecutingMocks` to install one. */
export class ExecutingMocks implements pulumi.runtime.Mocks {
    /** Every resource registered so far, in registration order. */
    readonly records: ResourceRecord[] = [];
    /** State by type and name with the inputs it came from, for `replayState`. */
    private readonly previous = new Map<string, { inputs: string; state: Props }>();
    private readonly waiters: Array<() => void> = [];

    constructor(private readonly options: ExecutingMocksOptions = {}) {}

    /** The record of the resource named `name` (throws when there is none or more than one). */
    record(name: string): ResourceRecord {
        const found = this.records.filter((r) => r.name === name);
        if (found.length !== 1) {
            throw new Error(`executing mocks: ${found.length} resources named ${name}`);
        }
        return found[0];
    }

    /** Waits (bounded) until the resource named `name` was registered and its work ended, success or failure. */
    async settled(name: string, timeoutMs = 120_000): Promise<ResourceRecord> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const r = this.records.find((x) => x.name === name);
            if (r !== undefined && r.endedAtMs !== undefined) {
                return r;
            }
            const left = deadline - Date.now();
            if (left <= 0) {
                throw new Error(`executing mocks: ${name} not settled within ${timeoutMs} ms`);
            }
            await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, Math.min(left, 1000));
                this.waiters.push(() => {
                    clearTimeout(t);
                    resolve();
                });
            });
        }
    }

    /** Invokes are not mocked: any call fails with its token. */
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`executing mocks: unmocked invoke ${args.token}`);
    }

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Props }> {
        const inputs = unwrapSecrets(args.inputs) as Props;
        const rec: ResourceRecord = { type: args.type, name: args.name, inputs, startedAtMs: Date.now() };
        this.records.push(rec);
        try {
            const key = `${args.type}::${args.name}`;
            const earlier = this.previous.get(key);
            const replay = this.options.replayState === true && (!args.type.startsWith("command:") || this.options.rerunCommands === false);
            if (replay && earlier !== undefined && earlier.inputs === JSON.stringify(inputs)) {
                rec.state = earlier.state;
                rec.replayed = true;
            } else {
                rec.state = await this.stateOf(args.type, args.name, inputs, rec);
            }
            if (replay) this.previous.set(key, { inputs: JSON.stringify(inputs), state: rec.state });
            return { id: `${args.name}-id`, state: rec.state };
        } catch (e) {
            rec.error = e instanceof Error ? e : new Error(String(e));
            if (this.options.onFailure === "hold") {
                rec.endedAtMs = Date.now();
                this.waiters.splice(0).forEach((w) => w());
                return new Promise<never>(() => undefined);
            }
            throw rec.error;
        } finally {
            rec.endedAtMs = Date.now();
            this.waiters.splice(0).forEach((w) => w());
        }
    }

    private stateOf(type: string, name: string, inputs: Props, rec: ResourceRecord): Promise<Props> {
        const custom = this.options.handlers?.[type];
        if (custom !== undefined) {
            return custom(inputs, name);
        }
        switch (type) {
            case "command:remote:Command":
                return this.remoteCommand(inputs, rec);
            case "command:remote:CopyToRemote":
                return this.copyToRemote(inputs, rec);
            case "command:local:Command":
                return localCommand(inputs);
            case "tls:index/privateKey:PrivateKey":
                return privateKeyState(inputs);
            case "tls:index/selfSignedCert:SelfSignedCert":
                return selfSignedCertState(inputs);
            case "tls:index/locallySignedCert:LocallySignedCert":
                return locallySignedCertState(inputs);
            case "tls:index/certRequest:CertRequest":
                return certRequestState(inputs);
            case "random:index/randomString:RandomString":
            case "random:index/randomPassword:RandomPassword":
                return Promise.resolve(randomStringState(inputs));
            default:
                return Promise.resolve(inputs);
        }
    }

    private async remoteCommand(inputs: Props, rec: ResourceRecord): Promise<Props> {
        const create = typeof inputs.create === "string" ? inputs.create : undefined;
        if (create === undefined) {
            return { ...inputs, stdout: "", stderr: "" };
        }
        if (inputs.environment !== undefined && Object.keys(inputs.environment as object).length > 0) {
            // Real provider: SSH setenv, which stock sshd (and the test hosts') refuse without AcceptEnv.
            throw new Error("executing mocks: remote Command `environment` needs sshd AcceptEnv; pass values via stdin");
        }
        const stdin = typeof inputs.stdin === "string" ? inputs.stdin : undefined;
        const r = await this.sshWithDialRetries(inputs.connection, create, stdin, rec);
        if (r.code !== 0) {
            throw new Error(`Process exited with status ${r.code}: running ${JSON.stringify(create)}:\n${r.stdout}\n${r.stderr}`);
        }
        return { ...inputs, stdout: trimNewline(r.stdout), stderr: trimNewline(r.stderr) };
    }

    private async copyToRemote(inputs: Props, rec: ResourceRecord): Promise<Props> {
        const remotePath = inputs.remotePath;
        if (typeof remotePath !== "string" || remotePath === "") {
            throw new Error("executing mocks: CopyToRemote needs remotePath");
        }
        const src = inputs.source as Record<string, unknown> | undefined;
        let data: Buffer;
        let command: string;
        if (src instanceof pulumi.asset.StringAsset) {
            data = Buffer.from(await src.text);
            command = `cat > ${shellQuote(remotePath)}`;
        } else if (src instanceof pulumi.asset.FileAsset) {
            data = readFileSync(await src.path);
            command = `cat > ${shellQuote(remotePath)}`;
        } else if (src instanceof pulumi.asset.FileArchive) {
            // Like `scp -r dir remotePath`: the directory lands inside remotePath.
            const dir = path.resolve(await src.path);
            data = await tarOf(dir);
            command = `mkdir -p ${shellQuote(remotePath)} && tar -C ${shellQuote(remotePath)} -xf -`;
        } else {
            throw new Error("executing mocks: CopyToRemote source must be a StringAsset, FileAsset or FileArchive");
        }
        const r = await this.sshWithDialRetries(inputs.connection, command, data, rec);
        if (r.code !== 0) {
            throw new Error(`copy to ${remotePath} failed with status ${r.code}: ${r.stderr}`);
        }
        return { ...inputs };
    }

    /** Runs a command over SSH, redialing on connect failures as `connection.dialErrorLimit` allows (bounded). */
    private async sshWithDialRetries(
        connection: unknown,
        command: string,
        stdin: string | Buffer | undefined,
        rec: ResourceRecord,
    ): Promise<SshResult> {
        const c = (connection ?? {}) as Props;
        const keyDir = mkdtempSync(path.join(tmpdir(), "pkh-key-"));
        try {
            const target = targetOf(c, keyDir, "key");
            const limit = typeof c.dialErrorLimit === "number" ? c.dialErrorLimit : 10;
            const perDial = typeof c.perDialTimeout === "number" && c.perDialTimeout > 0 ? c.perDialTimeout : 15;
            const connectTimeoutSeconds = Math.min(perDial, this.options.connectTimeoutSeconds ?? 5);
            const deadline = Date.now() + (this.options.maxDialWaitMs ?? 60_000);
            for (let attempt = 1; ; attempt++) {
                rec.dialAttempts = attempt;
                const r = await runSsh(target, {
                    command,
                    stdin,
                    connectTimeoutSeconds,
                    timeoutMs: this.options.commandTimeoutMs ?? 300_000,
                });
                const dialFailed = r.code === SSH_CONNECT_FAILURE && DIAL_FAILURE.test(r.stderr);
                const mayRetry = limit < 0 || attempt < limit;
                if (!dialFailed || !mayRetry || Date.now() + (this.options.dialRetryDelayMs ?? 500) >= deadline) {
                    return r;
                }
                await sleep(this.options.dialRetryDelayMs ?? 500);
            }
        } finally {
            rmSync(keyDir, { recursive: true, force: true });
        }
    }
}

/** SSH target of a (secret-unwrapped) connection, its keys written to 0600 files in `keyDir`. */
function targetOf(c: Props, keyDir: string, keyName: string): SshTarget {
    if (typeof c.host !== "string" || c.host === "") {
        throw new Error("executing mocks: connection.host is required");
    }
    if (typeof c.privateKey !== "string" || c.privateKey === "") {
        throw new Error("executing mocks: only connection.privateKey authentication is supported");
    }
    const keyFile = path.join(keyDir, keyName);
    writeFileSync(keyFile, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
    const proxy = c.proxy as Props | undefined;
    let jump: SshTarget["jump"];
    if (proxy !== undefined && proxy !== null) {
        const p = targetOf(proxy, keyDir, `${keyName}-proxy`);
        jump = { host: p.host, port: p.port, user: p.user, keyFile: p.keyFile };
    }
    return {
        host: c.host,
        port: typeof c.port === "number" ? c.port : 22,
        user: typeof c.user === "string" && c.user !== "" ? c.user : "root",
        keyFile,
        jump,
    };
}

const trimNewline = (s: string): string => (s.endsWith("\n") ? s.slice(0, -1) : s);

function tarOf(dir: string): Promise<Buffer> {
    return new Promise((resolve, reject) =>
        execFile(
            "tar",
            ["-C", path.dirname(dir), "-cf", "-", path.basename(dir)],
            { encoding: "buffer", maxBuffer: 1 << 30, timeout: 60_000 },
            (err, stdout) => (err ? reject(err) : resolve(stdout)),
        ),
    );
}

/** `command:local:Command`: runs `create` with /bin/sh on this machine, stdin piped, bounded to 5 minutes. */
function localCommand(inputs: Props): Promise<Props> {
    const create = typeof inputs.create === "string" ? inputs.create : undefined;
    if (create === undefined) {
        return Promise.resolve({ ...inputs, stdout: "", stderr: "" });
    }
    return new Promise((resolve, reject) => {
        const env = { ...process.env, ...((inputs.environment as Record<string, string> | undefined) ?? {}) };
        const child = spawn("/bin/sh", ["-c", create], { env, timeout: 300_000, killSignal: "SIGKILL" });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", reject);
        child.on("close", (code) => {
            const stdout = Buffer.concat(out).toString("utf8");
            const stderr = Buffer.concat(err).toString("utf8");
            if (code !== 0) {
                reject(new Error(`Process exited with status ${code}: running ${JSON.stringify(create)}:\n${stdout}\n${stderr}`));
            } else {
                resolve({ ...inputs, stdout: trimNewline(stdout), stderr: trimNewline(stderr) });
            }
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(typeof inputs.stdin === "string" ? inputs.stdin : "");
    });
}

/**
 * Creates the executing mocks and installs them with `pulumi.runtime.setMocks` (update mode). Import the modules
 * under test (and @pulumi/command etc.) only after this resolved.
 */
export async function setExecutingMocks(
    options: ExecutingMocksOptions = {},
    project = "pulumi-k8s-ha-it",
    stack = "it",
): Promise<ExecutingMocks> {
    const mocks = new ExecutingMocks(options);
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    return mocks;
}

/**
 * Resolves with `output` once it resolves; rejects as soon as a resource registered since record `from` failed
 * (naming it and its error), or after `timeoutMs`. With `onFailure: "hold"` a failed step never settles its
 * dependents, so waiting on an output alone would wait out the whole bound.
 */
export async function outputOrFailure<T>(mocks: ExecutingMocks, from: number, output: pulumi.Output<T>, timeoutMs: number): Promise<T> {
    let settled = false;
    const value = (output as unknown as { promise(): Promise<T> }).promise().finally(() => (settled = true));
    const deadline = Date.now() + timeoutMs;
    const failed = (async (): Promise<never> => {
        for (;;) {
            const failure = mocks.records.slice(from).find((r) => r.error !== undefined);
            if (failure) throw new Error(`${failure.name} failed: ${failure.error?.message}`);
            if (Date.now() > deadline) throw new Error(`output not resolved within ${timeoutMs} ms`);
            if (settled) return new Promise<never>(() => undefined);
            await sleep(1000);
        }
    })();
    return Promise.race([value, failed]);
}

/**
 * The executing mocks as the Kubernetes suites use them: quick SSH dials retried for `maxDialWaitMs` (30 s), commands
 * bounded at 20 minutes, the recorded state replayed (a later run of the program sees the earlier runs' steps) and
 * a step whose inputs did not change not run again; `overrides` for what a suite needs otherwise.
 */
export function setKubeSuiteMocks(overrides: ExecutingMocksOptions = {}): Promise<ExecutingMocks> {
    return setExecutingMocks({
        connectTimeoutSeconds: 2,
        dialRetryDelayMs: 500,
        maxDialWaitMs: 30_000,
        commandTimeoutMs: 20 * 60_000,
        replayState: true,
        rerunCommands: false,
        ...overrides,
    });
}
