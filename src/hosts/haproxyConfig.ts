/**
 * Pure renderer of the HAProxy configuration that load-balances the Kubernetes API server on machines the user
 * owns: a TCP frontend, a round-robin backend health-checked over TLS on `/readyz`.
 */

/** One API server behind the load balancer. */
export interface HaproxyBackend {
    /** Server name in the HAProxy config (letters, digits, `.`, `_`, `-`). */
    readonly name: string;
    /** IP address or DNS name of the API server. */
    readonly address: string;
    /** TCP port of the API server. */
    readonly port: number;
}

/** Certificates for a verified TLS health check instead of `verify none`. */
export interface HaproxyCheckTls {
    /** Path (on the load balancer host) of the CA bundle that signed the API servers' certificates. */
    readonly caFile: string;
    /** Path of a PEM with client certificate and key, presented during the check. @default none */
    readonly certFile?: string;
}

/** Options of `renderHaproxyConfig`. */
export interface HaproxyConfigOptions {
    /** Port the frontend listens on. */
    readonly frontendPort: number;
    /** API servers, at least one. */
    readonly backends: readonly HaproxyBackend[];
    /** HTTP path of the health check; the API server serves `/readyz` to anonymous clients. @default "/readyz" */
    readonly healthCheckPath?: string;
    /** Verify the backends' certificates during checks. @default checks use TLS with `verify none` */
    readonly checkTls?: HaproxyCheckTls;
    /** Address the frontend binds to. @default "*" (all IPv4 addresses) */
    readonly bindAddress?: string;
    /** Path of an admin stats socket (for `show stat`, draining servers). @default none */
    readonly statsSocket?: string;
    /**
     * Global connection limit. HAProxy needs about twice as many file descriptors and refuses to start when its
     * hard limit (`ulimit -Hn`, systemd `LimitNOFILE`) is lower. @default 20000
     */
    readonly maxConnections?: number;
}

const NAME = /^[A-Za-z0-9._-]+$/;
/** Characters that would break out of a config line or a path argument. */
const UNSAFE = /[\s#"'\\]/;

const validPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;

/** Checks the options; throws an Error naming the first bad field. */
function validate(o: HaproxyConfigOptions): void {
    if (!validPort(o.frontendPort)) {
        throw new Error(`frontendPort must be an integer in 1..65535, got ${o.frontendPort}`);
    }
    if (o.backends.length === 0) {
        throw new Error("backends must not be empty");
    }
    const seen = new Set<string>();
    o.backends.forEach((b, i) => {
        if (!NAME.test(b.name)) {
            throw new Error(`backends[${i}].name must match ${NAME}, got "${b.name}"`);
        }
        if (seen.has(b.name)) {
            throw new Error(`backends[${i}].name "${b.name}" is not unique`);
        }
        seen.add(b.name);
        if (b.address === "" || UNSAFE.test(b.address)) {
            throw new Error(`backends[${i}].address must be a non-empty address without spaces or quotes, got "${b.address}"`);
        }
        if (!validPort(b.port)) {
            throw new Error(`backends[${i}].port must be an integer in 1..65535, got ${b.port}`);
        }
    });
    if (o.maxConnections !== undefined && !(Number.isInteger(o.maxConnections) && o.maxConnections >= 1)) {
        throw new Error(`maxConnections must be a positive integer, got ${o.maxConnections}`);
    }
    const path = o.healthCheckPath ?? "/readyz";
    if (!path.startsWith("/") || UNSAFE.test(path)) {
        throw new Error(`healthCheckPath must start with "/" and contain no spaces or quotes, got "${path}"`);
    }
    for (const [field, v] of [
        ["checkTls.caFile", o.checkTls?.caFile],
        ["checkTls.certFile", o.checkTls?.certFile],
        ["bindAddress", o.bindAddress],
        ["statsSocket", o.statsSocket],
    ] as const) {
        if (v !== undefined && (v === "" || UNSAFE.test(v))) {
            throw new Error(`${field} must be non-empty without spaces or quotes, got "${v}"`);
        }
    }
}

/** An IPv6 literal needs brackets before `:port`. */
const hostPort = (address: string, port: number): string =>
    address.includes(":") && !address.startsWith("[") ? `[${address}]:${port}` : `${address}:${port}`;

/**
 * Renders haproxy.cfg (HAProxy >= 2.6). Logs go to stdout (run HAProxy in the foreground or redirect its output).
 *
 * What a client opening a NEW connection sees when an API server dies (proven on the test hosts):
 * - its process is gone (its port refuses connections): nothing. `retries 3` with `option redispatch` retries a
 *   failed connect, and with round robin over more than one server HAProxy retries on another server at once (no
 *   1 s turn-around); `observe layer4 error-limit 1 on-error mark-down` takes the server out at that first failure.
 * - the machine is off or cut off (the connect gets no answer): a delay, no error. A connect HAProxy sends there
 *   waits `timeout connect` (2 s), is retried on another server, and marks the server down, so only connections
 *   opened in that first ~2 s wait. Without traffic the checks mark it down within ~8 s (`inter 2s fall 2`, a
 *   check's connect gives up after min(`timeout connect`, `inter`) = 2 s).
 * Requests already on a connection to the dead server are not saved: they fail, or hang until the client's own
 * timeout. So does a connection the kernel still accepted for a killed process before closing its listening socket
 * (ms; up to ~0.5 s under load): HAProxy had handed it over. HAProxy does not cut open connections when it marks a
 * server down (no `on-marked-down shutdown-sessions`): `/readyz` failing on every API server at once for a few
 * seconds (etcd trouble) would then drop every watch in the cluster. No `fastinter`: two failed `/readyz` checks
 * must be 2 s apart, so a short `/readyz` blip (an etcd leader election) does not take servers out.
 * @throws Error naming the first invalid field.
 */
export function renderHaproxyConfig(opts: HaproxyConfigOptions): string {
    validate(opts);
    const tls = opts.checkTls;
    const verify =
        tls === undefined
            ? "verify none"
            : `verify required ca-file ${tls.caFile}${tls.certFile === undefined ? "" : ` crt ${tls.certFile}`}`;
    const lines = [
        "# Rendered by pulumi-k8s-ha: Kubernetes API server load balancer.",
        "global",
        "    log stdout format raw local0",
        `    maxconn ${opts.maxConnections ?? 20000}`,
        ...(opts.statsSocket === undefined ? [] : [`    stats socket ${opts.statsSocket} mode 600 level admin`]),
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option dontlognull",
        "    retries 3",
        "    option redispatch",
        // A LAN connect answers in milliseconds; waiting longer only delays the retry on another server.
        "    timeout connect 2s",
        // Long-lived watches: do not cut idle API connections after a few seconds.
        "    timeout client 1h",
        "    timeout server 1h",
        "    timeout client-fin 30s",
        "    timeout server-fin 30s",
        "    timeout check 5s",
        "",
        "frontend kube-apiserver",
        `    bind ${hostPort(opts.bindAddress ?? "*", opts.frontendPort)}`,
        "    default_backend kube-apiserver",
        "",
        "backend kube-apiserver",
        "    balance roundrobin",
        `    option httpchk GET ${opts.healthCheckPath ?? "/readyz"}`,
        "    http-check expect status 200",
        `    default-server check check-ssl ${verify} inter 2s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down`,
        ...opts.backends.map((b) => `    server ${b.name} ${hostPort(b.address, b.port)}`),
        "",
    ];
    return lines.join("\n");
}
