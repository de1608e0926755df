/** Run one command over SSH with the OpenSSH client, with stdin piped and every wait bounded. */
import { spawn } from "node:child_process";

/** Exit code OpenSSH uses for its own failures (connect, auth); a remote command's codes are passed through. */
export const SSH_CONNECT_FAILURE = 255;

/** Where and how to connect (a bastion is reached with OpenSSH's ProxyJump). */
export interface SshTarget {
    /** Host name or address. */
    readonly host: string;
    /** TCP port. @default 22 */
    readonly port?: number;
    /** Login user. @default "root" */
    readonly user?: string;
    /** Path of a private key file (mode 0600). */
    readonly keyFile: string;
    /** Bastion to jump through (OpenSSH ProxyCommand with `ssh -W`). @default none */
    readonly jump?: { readonly host: string; readonly port?: number; readonly user?: string; readonly keyFile: string };
}

/** What to run and the bounds on it. */
export interface SshRunOptions {
    /** Shell command line run by the remote login shell. */
    readonly command: string;
    /** Bytes written to the command's standard input, then closed. @default "" */
    readonly stdin?: string | Buffer;
    /** OpenSSH `ConnectTimeout` in seconds. @default 5 */
    readonly connectTimeoutSeconds?: number;
    /** The whole run is killed (and reported as exit code -1) after this many ms. @default 120000 */
    readonly timeoutMs?: number;
}

/** Outcome of one SSH run. `code` is the remote exit code, 255 for an SSH failure, -1 for a timeout. */
export interface SshResult {
    /** Exit code (see interface doc). */
    readonly code: number;
    /** Standard output, whole. */
    readonly stdout: string;
    /** Standard error, whole (includes OpenSSH's own messages). */
    readonly stderr: string;
}

/** The `ssh` argument vector for a target (without the command). */
export function sshArgs(target: SshTarget, connectTimeoutSeconds: number): string[] {
    const common = [
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes",
        "-o", "LogLevel=ERROR",
        "-o", "IdentitiesOnly=yes",
        "-o", `ConnectTimeout=${connectTimeoutSeconds}`,
    ];
    const args = [...common, "-i", target.keyFile, "-p", String(target.port ?? 22), "-l", target.user ?? "root"];
    if (target.jump !== undefined) {
        // ProxyCommand instead of -J so the jump hop gets its own key and the same options.
        const j = target.jump;
        const inner = ["ssh", ...common, "-i", j.keyFile, "-p", String(j.port ?? 22), "-l", j.user ?? "root", "-W", "%h:%p", j.host];
        args.push("-o", `ProxyCommand=${inner.join(" ")}`);
    }
    return [...args, target.host];
}

/** Runs `opts.command` on the target; never rejects except for a failure to start `ssh` itself. */
export function runSsh(target: SshTarget, opts: SshRunOptions): Promise<SshResult> {
    const args = [...sshArgs(target, opts.connectTimeoutSeconds ?? 5), "--", opts.command];
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, opts.timeoutMs ?? 120_000);
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            const stderr = Buffer.concat(err).toString("utf8");
            resolve({
                code: timedOut ? -1 : (code ?? -1),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: timedOut ? `${stderr}ssh: killed after ${opts.timeoutMs ?? 120_000} ms\n` : stderr,
            });
        });
        // The remote side may exit before reading stdin: ignore EPIPE.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.stdin ?? "");
    });
}
