/**
 * Probes the Kubernetes API through the load balancer at a fixed interval, each request on a new TCP connection
 * (as a new client would), and counts failures: what an API client sees while a control plane dies.
 */
import { request } from "node:https";

/** One probe's outcome. */
export interface ProbeSample {
    /** `Date.now()` when it was sent. */
    readonly atMs: number;
    /** Whether `GET /readyz` answered 200 `ok` within the timeout. */
    readonly ok: boolean;
    /** Why it failed. */
    readonly error?: string;
}

/** A running prober; `stop()` ends it and returns every sample. */
export interface ApiProber {
    stop(): Promise<ProbeSample[]>;
}

/** The cluster CA and server URL of a kubeconfig (base64 `certificate-authority-data`). */
export function kubeconfigServer(kubeconfig: string): { server: string; caPem: string } {
    const server = /server: (\S+)/.exec(kubeconfig)?.[1];
    const ca = /certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1];
    if (server === undefined || ca === undefined) throw new Error("kubeconfig without server or certificate-authority-data");
    return { server, caPem: Buffer.from(ca, "base64").toString("utf8") };
}

function probeOnce(url: URL, caPem: string, timeoutMs: number): Promise<ProbeSample> {
    const atMs = Date.now();
    return new Promise((resolve) => {
        const req = request({ host: url.hostname, port: url.port, path: "/readyz", method: "GET", agent: false, timeout: timeoutMs, ca: caPem }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve(res.statusCode === 200 && body === "ok" ? { atMs, ok: true } : { atMs, ok: false, error: `${res.statusCode} ${body.slice(0, 200)}` }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ atMs, ok: false, error: e.message }));
        req.end();
    });
}

/** Starts probing `GET <server>/readyz` every `intervalMs` (requests may overlap when one is slow). */
export function startApiProber(kubeconfig: string, intervalMs = 200, timeoutMs = 2000): ApiProber {
    const { server, caPem } = kubeconfigServer(kubeconfig);
    const url = new URL(server);
    const pending: Promise<ProbeSample>[] = [];
    const timer = setInterval(() => pending.push(probeOnce(url, caPem, timeoutMs)), intervalMs);
    return {
        async stop() {
            clearInterval(timer);
            return Promise.all(pending);
        },
    };
}
