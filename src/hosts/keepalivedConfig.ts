/**
 * Pure renderer of the keepalived configuration that moves a virtual IP between load-balancer hosts: one VRRP
 * instance that holds the address only while the tracked process (HAProxy) runs. No VRRP authentication: it is
 * deprecated (RFC 3768 dropped it) and a shared password would be plain text in the config anyway.
 *
 * The process is checked with a `vrrp_script` (`pgrep -x <name>` every second), not `vrrp_track_process`: the
 * latter needs the kernel's process-event connector, which only serves the initial PID namespace, so inside a
 * container or PID namespace keepalived logs "Failed to set/clear process event listen" and stays in FAULT.
 */
import { isIP } from "node:net";

/** Options of `renderKeepalivedConfig`. */
export interface KeepalivedConfigOptions {
    /** The virtual IP, optionally with a prefix length ("10.0.0.100" or "10.0.0.100/24"). */
    readonly virtualIp: string;
    /** Network interface that carries the VRRP adverts and the virtual IP, e.g. "eth0". */
    readonly interface: string;
    /** VRRP router id, 1..255, the same on every host of this instance and unique on the network segment. */
    readonly virtualRouterId: number;
    /** VRRP priority, 1..254; the highest healthy host holds the address. */
    readonly priority: number;
    /** Initial state; the host with the highest priority should start as MASTER. */
    readonly state: "MASTER" | "BACKUP";
    /** Addresses of the other hosts: VRRP adverts go to them by unicast (clouds drop multicast). @default multicast */
    readonly peers?: readonly string[];
    /** Process whose absence takes this host out of the election (its name as in /proc/PID/comm, checked with `pgrep -x`). @default "haproxy" */
    readonly trackProcess?: string;
    /** Seconds between VRRP adverts. @default 1 */
    readonly advertIntervalSeconds?: number;
}

const IFACE = /^[A-Za-z0-9._@-]{1,15}$/;
const PROCESS = /^[A-Za-z0-9._-]{1,15}$/;

/** Checks the options; throws an Error naming the first bad field. */
function validate(o: KeepalivedConfigOptions): void {
    const [ip, prefix, ...rest] = o.virtualIp.split("/");
    const maxPrefix = isIP(ip) === 6 ? 128 : 32;
    if (isIP(ip) === 0 || rest.length > 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && +prefix <= maxPrefix))) {
        throw new Error(`virtualIp must be an IP address with an optional /prefix, got "${o.virtualIp}"`);
    }
    if (!IFACE.test(o.interface)) {
        throw new Error(`interface must be a network interface name, got "${o.interface}"`);
    }
    if (!Number.isInteger(o.virtualRouterId) || o.virtualRouterId < 1 || o.virtualRouterId > 255) {
        throw new Error(`virtualRouterId must be an integer in 1..255, got ${o.virtualRouterId}`);
    }
    if (!Number.isInteger(o.priority) || o.priority < 1 || o.priority > 254) {
        throw new Error(`priority must be an integer in 1..254, got ${o.priority}`);
    }
    if (o.state !== "MASTER" && o.state !== "BACKUP") {
        throw new Error(`state must be "MASTER" or "BACKUP", got "${String(o.state)}"`);
    }
    (o.peers ?? []).forEach((p, i) => {
        if (isIP(p) === 0) {
            throw new Error(`peers[${i}] must be an IP address, got "${p}"`);
        }
    });
    const proc = o.trackProcess ?? "haproxy";
    if (!PROCESS.test(proc)) {
        throw new Error(`trackProcess must be a process name of at most 15 characters, got "${proc}"`);
    }
    const advert = o.advertIntervalSeconds ?? 1;
    if (!Number.isInteger(advert) || advert < 1 || advert > 255) {
        throw new Error(`advertIntervalSeconds must be an integer in 1..255, got ${advert}`);
    }
}

/**
 * Renders keepalived.conf (keepalived >= 2.0). While the tracked process is not running (two failed checks, one
 * second apart) the instance goes to FAULT and releases the virtual IP to a peer.
 * @throws Error naming the first invalid field.
 */
export function renderKeepalivedConfig(opts: KeepalivedConfigOptions): string {
    validate(opts);
    const proc = opts.trackProcess ?? "haproxy";
    const vip = opts.virtualIp.includes("/") ? opts.virtualIp : `${opts.virtualIp}/${isIP(opts.virtualIp) === 6 ? 128 : 32}`;
    const peers = opts.peers ?? [];
    return [
        "# Rendered by pulumi-k8s-ha: virtual IP for the Kubernetes API server load balancer.",
        "global_defs {",
        "    enable_script_security",
        "    script_user root",
        "}",
        "",
        `vrrp_script check_${proc} {`,
        `    script "/usr/bin/pgrep -x ${proc}"`,
        "    interval 1",
        "    fall 2",
        "    rise 2",
        "}",
        "",
        `vrrp_instance VI_${opts.virtualRouterId} {`,
        `    state ${opts.state}`,
        `    interface ${opts.interface}`,
        `    virtual_router_id ${opts.virtualRouterId}`,
        `    priority ${opts.priority}`,
        `    advert_int ${opts.advertIntervalSeconds ?? 1}`,
        ...(peers.length === 0 ? [] : ["    unicast_peer {", ...peers.map((p) => `        ${p}`), "    }"]),
        "    virtual_ipaddress {",
        `        ${vip} dev ${opts.interface}`,
        "    }",
        "    track_script {",
        `        check_${proc}`,
        "    }",
        "}",
        "",
    ].join("\n");
}
