import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { HaproxyConfigOptions, renderHaproxyConfig } from "../../../src/hosts/haproxyConfig";

const backends = [
    { name: "cp-1", address: "10.0.1.10", port: 6443 },
    { name: "cp-2", address: "10.0.2.10", port: 6443 },
    { name: "cp-3", address: "fd00::3", port: 6443 },
];

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "haproxy-cfg-"));
    // A real CA and client certificate, because `haproxy -c` loads ca-file and crt.
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=test-ca", "-days", "1"], { cwd: dir, stdio: "pipe" });
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "client.key", "-out", "client.crt", "-subj", "/CN=lb", "-days", "1"], { cwd: dir, stdio: "pipe" });
    execFileSync("sh", ["-c", "cat client.crt client.key > client.pem"], { cwd: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `haproxy -c` on a rendered config; returns exit code and output. */
function haproxyCheck(cfg: string): { code: number | null; out: string } {
    const file = path.join(dir, "haproxy.cfg");
    writeFileSync(file, cfg);
    const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8", timeout: 20_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("renders the exact default config", () => {
    expect(renderHaproxyConfig({ frontendPort: 6443, backends: backends.slice(0, 2) })).toBe(
        [
            "# Rendered by pulumi-k8s-ha: Kubernetes API server load balancer.",
            "global",
            "    log stdout format raw local0",
            "    maxconn 20000",
            "",
            "defaults",
            "    mode tcp",
            "    log global",
            "    option tcplog",
            "    option dontlognull",
            "    retries 3",
            "    option redispatch",
            "    timeout connect 2s",
            "    timeout client 1h",
            "    timeout server 1h",
            "    timeout client-fin 30s",
            "    timeout server-fin 30s",
            "    timeout check 5s",
            "",
            "frontend kube-apiserver",
            "    bind *:6443",
            "    default_backend kube-apiserver",
            "",
            "backend kube-apiserver",
            "    balance roundrobin",
            "    option httpchk GET /readyz",
            "    http-check expect status 200",
            "    default-server check check-ssl verify none inter 2s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down",
            "    server cp-1 10.0.1.10:6443",
            "    server cp-2 10.0.2.10:6443",
            "",
        ].join("\n"),
    );
});

test("verified checks, custom path, bind address, IPv6 and stats socket", () => {
    const cfg = renderHaproxyConfig({
        frontendPort: 8443,
        backends,
        healthCheckPath: "/livez",
        checkTls: { caFile: "/etc/haproxy/ca.pem", certFile: "/etc/haproxy/client.pem" },
        bindAddress: "10.0.0.100",
        statsSocket: "/run/haproxy/admin.sock",
    });
    expect(cfg).toContain("    stats socket /run/haproxy/admin.sock mode 600 level admin\n");
    expect(cfg).toContain("    bind 10.0.0.100:8443\n");
    expect(cfg).toContain("    option httpchk GET /livez\n");
    expect(cfg).toContain(
        "    default-server check check-ssl verify required ca-file /etc/haproxy/ca.pem crt /etc/haproxy/client.pem inter 2s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down\n",
    );
    expect(cfg).toContain("    server cp-3 [fd00::3]:6443\n");
});

test("a dead server costs new connections no error: immediate redispatch, marked down at the first failed connect", () => {
    const cfg = renderHaproxyConfig({ frontendPort: 6443, backends });
    const line = (prefix: string): string[] => cfg.split("\n").filter((l) => l.trim().startsWith(prefix));
    // Failed connects are retried, on another server (round robin over 2+ servers redispatches at once).
    expect(line("retries")).toEqual(["    retries 3"]);
    expect(line("option redispatch")).toEqual(["    option redispatch"]);
    expect(line("balance")).toEqual(["    balance roundrobin"]);
    // A silent (powered-off) server holds a new connection for the connect timeout only.
    expect(line("timeout connect")).toEqual(["    timeout connect 2s"]);
    const server = line("default-server")[0].split(" ").filter((w) => w !== "");
    // The first failed connect (refused or timed out) marks the server down; checks confirm recovery.
    expect(server.join(" ")).toContain("observe layer4 error-limit 1 on-error mark-down");
    expect(server.join(" ")).toContain("inter 2s fall 2 rise 2");
    // Deliberately absent: checks 0.5 s apart would let a short /readyz blip on every server (an etcd election)
    // take them all out; cutting sessions on mark-down would drop every watch on such a blip.
    expect(server).not.toContain("fastinter");
    expect(cfg).not.toContain("shutdown-sessions");
});

test.each<[string, Partial<HaproxyConfigOptions>]>([
    ["default", {}],
    ["verified checks with a client certificate", { checkTls: { caFile: "CA", certFile: "CLIENT" } }],
    ["verified checks without a client certificate", { checkTls: { caFile: "CA" } }],
    ["IPv6 bind", { bindAddress: "::" }],
])("haproxy -c accepts the %s config", (_, extra) => {
    const opts = { frontendPort: 6443, backends, ...extra };
    if (opts.checkTls !== undefined) {
        opts.checkTls = {
            caFile: path.join(dir, "ca.pem"),
            certFile: opts.checkTls.certFile === undefined ? undefined : path.join(dir, "client.pem"),
        };
    }
    const r = haproxyCheck(renderHaproxyConfig(opts));
    expect(r.out).toContain("Configuration file is valid");
    expect(r.code).toBe(0);
});

test("haproxy -c rejects a config whose ca-file is missing (the check is real)", () => {
    const r = haproxyCheck(
        renderHaproxyConfig({ frontendPort: 6443, backends, checkTls: { caFile: path.join(dir, "missing.pem") } }),
    );
    expect(r.code).not.toBe(0);
});

test.each<[string, Partial<HaproxyConfigOptions>, string]>([
    ["port 0", { frontendPort: 0 }, "frontendPort must be an integer in 1..65535, got 0"],
    ["no backends", { backends: [] }, "backends must not be empty"],
    ["bad name", { backends: [{ name: "cp 1", address: "10.0.0.1", port: 6443 }] }, 'backends[0].name must match /^[A-Za-z0-9._-]+$/, got "cp 1"'],
    [
        "duplicate name",
        { backends: [backends[0], { ...backends[1], name: "cp-1" }] },
        'backends[1].name "cp-1" is not unique',
    ],
    [
        "bad address",
        { backends: [{ name: "a", address: "10.0.0.1 backup", port: 6443 }] },
        'backends[0].address must be a non-empty address without spaces or quotes, got "10.0.0.1 backup"',
    ],
    ["bad backend port", { backends: [{ name: "a", address: "x", port: 70000 }] }, "backends[0].port must be an integer in 1..65535, got 70000"],
    ["bad path", { healthCheckPath: "readyz" }, 'healthCheckPath must start with "/" and contain no spaces or quotes, got "readyz"'],
    ["bad ca file", { checkTls: { caFile: "a b" } }, 'checkTls.caFile must be non-empty without spaces or quotes, got "a b"'],
    ["empty bind", { bindAddress: "" }, 'bindAddress must be non-empty without spaces or quotes, got ""'],
])("rejects %s", (_, extra, message) => {
    expect(() => renderHaproxyConfig({ frontendPort: 6443, backends, ...extra })).toThrow(new Error(message));
});
