import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { KeepalivedConfigOptions, renderKeepalivedConfig } from "../../../src/hosts/keepalivedConfig";

const base: KeepalivedConfigOptions = {
    virtualIp: "10.0.0.100",
    interface: "lo",
    virtualRouterId: 51,
    priority: 150,
    state: "MASTER",
};

/** `keepalived -t` checks that the interface exists and refuses loopback: use a real one of this machine. */
const realInterface = readdirSync("/sys/class/net").filter((n) => n !== "lo").sort()[0];

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "keepalived-cfg-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `keepalived -t`: a config test that also checks the interface. */
function keepalivedCheck(cfg: string): { code: number | null; out: string } {
    const file = path.join(dir, "keepalived.conf");
    writeFileSync(file, cfg);
    const r = spawnSync("keepalived", ["-t", "-f", file], { encoding: "utf8", timeout: 20_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("renders the exact config with unicast peers", () => {
    expect(renderKeepalivedConfig({ ...base, interface: "eth0", virtualIp: "10.0.0.100/24", peers: ["10.0.0.2", "10.0.0.3"] })).toBe(
        [
            "# Rendered by pulumi-k8s-ha: virtual IP for the Kubernetes API server load balancer.",
            "global_defs {",
            "    enable_script_security",
            "    script_user root",
            "}",
            "",
            "vrrp_script check_haproxy {",
            '    script "/usr/bin/pgrep -x haproxy"',
            "    interval 1",
            "    fall 2",
            "    rise 2",
            "}",
            "",
            "vrrp_instance VI_51 {",
            "    state MASTER",
            "    interface eth0",
            "    virtual_router_id 51",
            "    priority 150",
            "    advert_int 1",
            "    unicast_peer {",
            "        10.0.0.2",
            "        10.0.0.3",
            "    }",
            "    virtual_ipaddress {",
            "        10.0.0.100/24 dev eth0",
            "    }",
            "    track_script {",
            "        check_haproxy",
            "    }",
            "}",
            "",
        ].join("\n"),
    );
});

test("multicast (no peers), BACKUP, other process, /32 default, no authentication block", () => {
    const cfg = renderKeepalivedConfig({ ...base, state: "BACKUP", priority: 100, trackProcess: "envoy", advertIntervalSeconds: 2 });
    expect(cfg).not.toContain("unicast_peer");
    expect(cfg).not.toContain("authentication");
    expect(cfg).toContain("    state BACKUP\n    interface lo\n    virtual_router_id 51\n    priority 100\n    advert_int 2\n");
    expect(cfg).toContain('vrrp_script check_envoy {\n    script "/usr/bin/pgrep -x envoy"\n');
    expect(cfg).toContain("        10.0.0.100/32 dev lo\n");
    expect(renderKeepalivedConfig({ ...base, virtualIp: "fd00::64" })).toContain("        fd00::64/128 dev lo\n");
});

test.each<[string, Partial<KeepalivedConfigOptions>]>([
    ["MASTER with unicast peers", { peers: ["10.0.0.2", "10.0.0.3"] }],
    ["BACKUP over multicast", { state: "BACKUP", priority: 100 }],
])("keepalived -t accepts the %s config", (_, extra) => {
    const r = keepalivedCheck(renderKeepalivedConfig({ ...base, interface: realInterface, ...extra }));
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
});

test("keepalived -t rejects a broken config (the check is real)", () => {
    const r = keepalivedCheck(renderKeepalivedConfig({ ...base, interface: realInterface }).replace("virtual_router_id 51", "virtual_router_id 300"));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("VRID '300' not valid");
});

test.each<[string, Partial<KeepalivedConfigOptions>, string]>([
    ["bad ip", { virtualIp: "10.0.0.300" }, 'virtualIp must be an IP address with an optional /prefix, got "10.0.0.300"'],
    ["bad prefix", { virtualIp: "10.0.0.1/33" }, 'virtualIp must be an IP address with an optional /prefix, got "10.0.0.1/33"'],
    ["bad interface", { interface: "eth 0" }, 'interface must be a network interface name, got "eth 0"'],
    ["vrid 0", { virtualRouterId: 0 }, "virtualRouterId must be an integer in 1..255, got 0"],
    ["vrid 256", { virtualRouterId: 256 }, "virtualRouterId must be an integer in 1..255, got 256"],
    ["priority 255", { priority: 255 }, "priority must be an integer in 1..254, got 255"],
    ["bad state", { state: "LEADER" as "MASTER" }, 'state must be "MASTER" or "BACKUP", got "LEADER"'],
    ["bad peer", { peers: ["10.0.0.2", "lb-2"] }, 'peers[1] must be an IP address, got "lb-2"'],
    ["bad process", { trackProcess: "ha proxy" }, 'trackProcess must be a process name of at most 15 characters, got "ha proxy"'],
    ["advert 0", { advertIntervalSeconds: 0 }, "advertIntervalSeconds must be an integer in 1..255, got 0"],
])("rejects %s", (_, extra, message) => {
    expect(() => renderKeepalivedConfig({ ...base, ...extra })).toThrow(new Error(message));
});
