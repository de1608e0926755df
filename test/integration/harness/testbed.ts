/** Jest-side handle on test/hosts/hosts.sh: N VM-like hosts in network namespaces, reached over real SSH. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runSsh, SshResult } from "./ssh";

/** The script that makes and removes the VM-like hosts (sshd as PID 1). */
export const HOSTS_SCRIPT = path.resolve(__dirname, "../../hosts/hosts.sh");

/** The script that makes and removes kind-node-like hosts (systemd as PID 1, containerd, cgroups). */
export const KIND_HOSTS_SCRIPT = path.resolve(__dirname, "../../hosts/kind-hosts.sh");

/** State directory of the test bed (keys, overlay disks, logs); same default as hosts.sh. */
export const TESTBED_STATE = process.env.TESTBED_STATE ?? "/tmp/pulumi-k8s-ha-testbed";

/** Prefix of every network namespace, bridge and veth the test bed makes; same default as hosts.sh. */
export const TESTBED_PREFIX = process.env.TESTBED_PREFIX ?? "pkh";

/** One test host. */
export interface TestHost {
    /** Name as hosts.sh knows it: "h1", "h2", ... (also resolvable inside the hosts via /etc/hosts). */
    readonly name: string;
    /** IPv4 address on the test bridge, e.g. "10.213.0.11". */
    readonly address: string;
}

/** A running test bed. Every method is bounded in time. */
export interface Testbed {
    /** The hosts, h1..hN in order. */
    readonly hosts: readonly TestHost[];
    /** First three octets of the test network; `${net}.1` is this machine on the test bridge. */
    readonly net: string;
    /** OpenSSH-format private key that logs in as root on every host (throwaway, made by `up`). */
    readonly privateKeyPem: string;
    /** Path of that key on the machine (mode 0600). */
    readonly privateKeyFile: string;
    /** Runs a command as root on a host; resolves with its exit code and output (never rejects on exit codes). */
    ssh(host: TestHost | string, command: string, stdin?: string): Promise<SshResult>;
    /** Like `ssh` but rejects unless the exit code is 0; resolves with stdout. */
    run(host: TestHost | string, command: string, stdin?: string): Promise<string>;
    /** Power-off: SIGKILL the host's PID 1 (its disk survives). */
    crash(host: TestHost | string): Promise<void>;
    /** Power a crashed host back on and wait until SSH answers. */
    boot(host: TestHost | string): Promise<void>;
    /** Take the host's network link down: packets to it are dropped, SSH dials time out. */
    partition(host: TestHost | string): Promise<void>;
    /** Bring a partitioned host's link back up. */
    heal(host: TestHost | string): Promise<void>;
    /** Remove every host, the bridge and the state; safe to call twice. */
    stop(): Promise<void>;
}

/** Options of `startTestbed`. */
export interface TestbedOptions {
    /** Bound on `up` (and on `down` after a failed `up`). @default 60000 */
    readonly upTimeoutMs?: number;
    /** Bound on one `ssh`/`run` call. @default 60000 */
    readonly commandTimeoutMs?: number;
    /**
     * Kind-node-like hosts (systemd, containerd) from kind-hosts.sh instead of hosts.sh's sshd-only hosts. They use
     * their own prefix (TESTBED_KIND_PREFIX, default pkk), network (TESTBED_KIND_NET, 10.215.0) and state directory,
     * so both kinds can run side by side. @default false
     */
    readonly kubeNodes?: boolean;
    /** Machine image directory (overlay layer under each host's disk); kind-node-like hosts only. @default none */
    readonly image?: string;
}

/** How to run one kind of test bed: its script and environment. */
interface TestbedKind {
    readonly script: string;
    readonly env: NodeJS.ProcessEnv;
    readonly net: string;
    readonly state: string;
    readonly prefix: string;
}

/** The VM-like hosts (hosts.sh) with the TESTBED_* environment. */
const VM_HOSTS: TestbedKind = {
    script: HOSTS_SCRIPT,
    env: process.env,
    net: process.env.TESTBED_NET ?? "10.213.0",
    state: TESTBED_STATE,
    prefix: TESTBED_PREFIX,
};

/** The kind-node-like hosts (kind-hosts.sh), with an optional machine image. */
function kubeNodeKind(image: string | undefined): TestbedKind {
    const net = process.env.TESTBED_KIND_NET ?? "10.215.0";
    const state = process.env.TESTBED_KIND_STATE ?? "/tmp/pulumi-k8s-ha-kind";
    const prefix = process.env.TESTBED_KIND_PREFIX ?? "pkk";
    return {
        script: KIND_HOSTS_SCRIPT,
        env: { ...process.env, TESTBED_NET: net, TESTBED_STATE: state, TESTBED_PREFIX: prefix, TESTBED_IMAGE: image ?? "" },
        net,
        state,
        prefix,
    };
}

/** Runs hosts.sh with arguments; rejects with its output on a non-zero exit or after `timeoutMs`. */
export function hostsScript(args: readonly string[], timeoutMs: number, kind: TestbedKind = VM_HOSTS): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(kind.script, [...args], { timeout: timeoutMs, killSignal: "SIGKILL", env: kind.env }, (err, stdout, stderr) => {
            if (err) {
                reject(new Error(`${path.basename(kind.script)} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
            } else {
                resolve(stdout);
            }
        });
    });
}

/** Names of the network namespaces the test bed owns that exist right now (for leak assertions). */
export async function testbedNamespaces(prefix = TESTBED_PREFIX): Promise<string[]> {
    const out = await new Promise<string>((resolve, reject) =>
        execFile("ip", ["netns", "list"], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    return out
        .split("\n")
        .map((l) => l.split(" ")[0])
        .filter((n) => n.startsWith(`${prefix}-`));
}

/** Starts `n` hosts (tearing down any leftovers of an earlier run first). Call `stop()` in `afterAll`. */
export async function startTestbed(n: number, options: TestbedOptions = {}): Promise<Testbed> {
    if (!Number.isInteger(n) || n < 1 || n > 99) {
        throw new Error(`startTestbed: n must be an integer in 1..99, got ${n}`);
    }
    const upTimeoutMs = options.upTimeoutMs ?? 60_000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 60_000;
    const kind = options.kubeNodes ? kubeNodeKind(options.image) : VM_HOSTS;
    const script = (args: readonly string[], timeoutMs: number): Promise<string> => hostsScript(args, timeoutMs, kind);
    await script(["down"], upTimeoutMs);
    try {
        await script(["up", String(n)], upTimeoutMs);
    } catch (e) {
        await script(["down"], upTimeoutMs).catch(() => undefined);
        throw e;
    }
    const hosts: TestHost[] = Array.from({ length: n }, (_, i) => ({ name: `h${i + 1}`, address: `${kind.net}.${11 + i}` }));
    const privateKeyFile = path.join(kind.state, "keys", "id_ed25519");
    const privateKeyPem = readFileSync(privateKeyFile, "utf8");
    const find = (h: TestHost | string): TestHost => {
        const name = typeof h === "string" ? h : h.name;
        const found = hosts.find((x) => x.name === name);
        if (found === undefined) {
            throw new Error(`testbed: no host ${name}`);
        }
        return found;
    };
    const ssh = (h: TestHost | string, command: string, stdin?: string): Promise<SshResult> =>
        runSsh({ host: find(h).address, keyFile: privateKeyFile }, { command, stdin, timeoutMs: commandTimeoutMs });
    let stopped = false;
    return {
        hosts,
        net: kind.net,
        privateKeyPem,
        privateKeyFile,
        ssh,
        async run(h, command, stdin) {
            const r = await ssh(h, command, stdin);
            if (r.code !== 0) {
                throw new Error(`on ${find(h).name}: \`${command}\` exited ${r.code}: ${r.stderr}`);
            }
            return r.stdout;
        },
        crash: async (h) => void (await script(["crash", find(h).name], 20_000)),
        boot: async (h) => void (await script(["boot", find(h).name], 30_000)),
        partition: async (h) => void (await script(["partition", find(h).name], 10_000)),
        heal: async (h) => void (await script(["heal", find(h).name], 10_000)),
        async stop() {
            if (!stopped) {
                stopped = true;
                await script(["down"], upTimeoutMs);
            }
        },
    };
}
