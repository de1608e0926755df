/**
 * The library's real EtcdCluster component and ApiLoadBalancer (HAProxy + keepalived) run, under the executing
 * mocks, against VM-like hosts in network namespaces: h1-h3 are the etcd members, h4-h5 the load balancers.
 * Only the preparation marker is written by the test (simulating cloud-init); everything after it is the
 * library's own scripts over real SSH. Faults are provoked on the hosts; failing gates are run directly over SSH
 * with the exact script the library renders (a failing resource would reject inside the Pulumi runtime).
 * Measured timings are printed at the end.
 */
import { request } from "node:https";
import type { TLSSocket } from "node:tls";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../../src/cluster/types";
import type { GateObservation } from "../../src/cluster/quorumReport";
import type { GateMember } from "../../src/bootstrap/scripts/quorumGate";
import { ExecutingMocks, setExecutingMocks } from "./harness/executingMocks";
import { outputValue } from "./harness/outputs";
import { startTestbed, Testbed, testbedNamespaces } from "./harness/testbed";
import { simulatedPreparationCommand } from "./harness/upstreamCache";

jest.setTimeout(90_000);

const NET = process.env.TESTBED_NET ?? "10.213.0";
const VIRTUAL_IP = `${NET}.100`;
const CHECK_DIR = "/etc/pulumi-k8s-ha-it";
const TLS_TYPES = [
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/locallySignedCert:LocallySignedCert",
    "tls:index/certRequest:CertRequest",
];

let tb: Testbed;
let mocks: ExecutingMocks;
let cluster: typeof import("../../src/cluster");
let hosts: typeof import("../../src/hosts");
let scripts: typeof import("../../src/bootstrap/scripts");
let credentials: typeof import("../../src/cluster/constants").gateCredentials;
let members: GateMember[];
let clientTls: { ca: string; cert: string; key: string };
const timings: Record<string, string> = {};

const ms = (from: number): number => Date.now() - from;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

function clusterHost(index: number, name: string, zone: string): ClusterHost {
    const address = tb.hosts[index].address;
    return { name, zone, privateAddress: address, connection: { host: address, user: "root", privateKey: pulumi.secret(tb.privateKeyPem) } };
}

const etcdHosts = (): ClusterHost[] => [0, 1, 2].map((i) => clusterHost(i, `etcd-${i}`, `rack-${"abc"[i]}`));

function newEtcdCluster(): InstanceType<typeof cluster.EtcdCluster> {
    return new cluster.EtcdCluster("it", {
        clusterName: "it",
        zones: ["rack-a", "rack-b", "rack-c"],
        hosts: etcdHosts(),
        extraServerSans: [tb.hosts[3].address, tb.hosts[4].address, VIRTUAL_IP],
        gateTimeoutSeconds: 60,
        hostReadyTimeoutMinutes: 1,
    });
}

/** Runs the library's quorum gate on h1 exactly as rendered, over SSH; returns exit code, observation, stderr, time. */
async function runGate(minHealthy: number, timeoutSeconds: number) {
    const script = scripts.quorumGateScript({ members, minHealthy, ...credentials.etcdMember, timeoutSeconds, intervalSeconds: 1 });
    const started = Date.now();
    const r = await tb.ssh("h1", scripts.asRootCommand(script));
    const elapsedMs = ms(started);
    const last = r.stdout.trim().split("\n").pop() ?? "";
    return { code: r.code, observation: JSON.parse(last) as GateObservation, stderr: r.stderr, elapsedMs };
}

/** etcdctl on a host with that member's own certificate (it carries the clientAuth usage). */
const etcdctl = (args: string, endpoints = members.map((m) => m.endpoint).join(",")): string =>
    `ETCDCTL_API=3 etcdctl --endpoints=${endpoints} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/server.crt ` +
    `--key=/etc/etcd/pki/server.key --dial-timeout=2s --command-timeout=3s ${args}`;

const etcdPid = async (host: string): Promise<string> =>
    (await tb.run(host, "pgrep -x etcd || true")).trim();

/** Starts a stopped member again with the library's own start step. */
const restartMember = (host: string): Promise<string> => tb.run(host, scripts.asRootCommand(scripts.etcdStartScript()));

/** What one `GET /health` through the load balancer got. */
interface Probe {
    /** 200 with `"health":"true"`. */
    ok: boolean;
    /** HTTP status, absent when no response arrived (refused, reset, timeout). */
    status?: number;
    body?: string;
    /** Transport error, when no response arrived. */
    error?: string;
    /** The etcd member that answered: the CN of the server certificate (HAProxy passes TLS through). */
    member?: string;
    /** When the request started and how long it took, in ms. */
    startedAt: number;
    ms: number;
}

/** GET /health on etcd through `address:6443` (a new TCP connection per request, client certificate of kube-apiserver). */
function probe(address: string, timeoutMs = 3000): Promise<Probe> {
    const startedAt = Date.now();
    return new Promise((resolve) => {
        const done = (p: Omit<Probe, "startedAt" | "ms">) => resolve({ ...p, startedAt, ms: Date.now() - startedAt });
        const req = request(
            { host: address, port: 6443, path: "/health", method: "GET", agent: false, timeout: timeoutMs, ...clientTls },
            (res) => {
                const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN;
                const member = Array.isArray(cn) ? cn[0] : cn;
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => done({ ok: res.statusCode === 200 && body.includes('"health":"true"'), status: res.statusCode, body, member }));
                res.on("error", (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message, member }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
        req.end();
    });
}

const health = async (address: string): Promise<boolean> => (await probe(address)).ok;

/** `count` requests one after the other, each on a new connection. */
async function probes(address: string, count: number, timeoutMs = 3000): Promise<Probe[]> {
    const out: Probe[] = [];
    for (let i = 0; i < count; i++) out.push(await probe(address, timeoutMs));
    return out;
}

async function requestLoop(address: string, count: number): Promise<number> {
    return (await probes(address, count)).filter((p) => !p.ok).length;
}

/**
 * Waits until requests through the VIP are answered by every etcd member: HAProxy has every backend UP (rise 2,
 * inter 2 s). Rejects after `timeoutMs`.
 */
async function untilEveryMemberServes(timeoutMs = 30_000): Promise<void> {
    const seen = new Set<string>();
    for (const started = Date.now(); seen.size < members.length; ) {
        if (ms(started) > timeoutMs) throw new Error(`only ${[...seen].join(", ")} answered through the VIP within ${timeoutMs} ms`);
        const p = await probe(VIRTUAL_IP);
        if (p.ok && p.member) seen.add(p.member);
        else await sleep(200);
    }
}

/** The etcd leader and a follower (by member index), as the quorum gate sees them with every member up. */
async function leaderAndFollower(): Promise<{ leader: number; follower: number }> {
    const gate = await runGate(3, 30);
    expect(gate.code).toBe(0);
    const leader = members.findIndex((m) => m.name === gate.observation.members.find((o) => o.isLeader)?.name);
    expect(leader).toBeGreaterThanOrEqual(0);
    // The etcd-only gate names the leader and does not ask an API server for Leases.
    expect(gate.observation.leaders).toEqual({ etcd: members[leader].name });
    return { leader, follower: (leader + 1) % members.length };
}

/**
 * SIGKILLs etcd on a host and waits until its client port no longer listens: the kernel closes the listening socket
 * only once it has torn the process down, and a connection it accepts before that is reset (like one in flight).
 * Returns the time from the kill to the closed port, measured on the host, in ms.
 */
async function killEtcd(host: string): Promise<number> {
    const out = await tb.run(
        host,
        // -x etcd (the process name): with -f the pattern would also match this shell's own command line.
        `t0=$(date +%s%N); pkill -KILL -x etcd; ` +
            `timeout 10 sh -c 'while ss -ltnH "sport = :2379" | grep -q .; do sleep 0.01; done'; ` +
            `echo $(( ($(date +%s%N) - t0) / 1000000 ))`,
    );
    return Number(out.trim());
}

/** One line per request for the timings: `+<start since fault> ms <member or error> <ms>`. */
const describeProbes = (ps: Probe[], from: number): string =>
    ps.map((p) => `+${p.startedAt - from}:${p.member ?? "-"}:${p.ok ? "ok" : (p.status ?? p.error)}:${p.ms}ms`).join(" ");

beforeAll(async () => {
    mocks = await setExecutingMocks({ connectTimeoutSeconds: 1, dialRetryDelayMs: 200, maxDialWaitMs: 30_000 });
    cluster = await import("../../src/cluster");
    hosts = await import("../../src/hosts");
    scripts = await import("../../src/bootstrap/scripts");
    credentials = (await import("../../src/cluster/constants")).gateCredentials;
    tb = await startTestbed(5);
    // Simulates the node preparation (the pinned etcd in /usr/local/bin) and cloud-init's last act on each machine,
    // the preparation marker. Everything else is the library's.
    await Promise.all(tb.hosts.map((h) => tb.run(h, simulatedPreparationCommand())));
});

afterAll(async () => {
    console.log(`measured timings:\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    await tb?.stop();
    expect(await testbedNamespaces()).toEqual([]);
});

describe("external etcd tier on three hosts", () => {
    let etcd: InstanceType<typeof cluster.EtcdCluster>;

    test("bootstraps with TLS while h3 is partitioned for 3 s: SSH retries, then quorum 3/3 with one leader", async () => {
        await tb.partition("h3");
        const healed = sleep(3000).then(() => tb.heal("h3"));
        const started = Date.now();
        etcd = newEtcdCluster();
        const quorum = await outputValue(etcd.quorum, 60_000);
        await healed;
        timings["bootstrap (3 members, h3 partitioned 3 s)"] = `${ms(started)} ms`;
        expect(quorum.plan).toMatchObject({ voters: 3, quorumSize: 2, nodeFailuresTolerated: 1, zoneFailuresTolerated: 1 });
        const observed = quorum.observed!;
        expect(observed).toMatchObject({ ok: true, degraded: false, expectedMembers: 3, healthyMembers: 3, alarms: [], problems: [] });
        expect(observed.clusterIds).toHaveLength(1);
        expect(observed.leaderIds).toHaveLength(1);
        expect(observed.members.filter((m) => m.isLeader)).toHaveLength(1);
        expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([
            ["etcd-0", true, false],
            ["etcd-1", true, false],
            ["etcd-2", true, false],
        ]);
        expect(mocks.record("it-etcd-2-ready").dialAttempts).toBeGreaterThan(1);
        expect(mocks.record("it-etcd-0-ready").dialAttempts).toBe(1);
        members = await outputValue(etcd.gateMembers);
        expect(members.map((m) => m.endpoint)).toEqual(tb.hosts.slice(0, 3).map((h) => `https://${h.address}:2379`));
        clientTls = {
            ca: await outputValue(etcd.caCertPem),
            cert: await outputValue(etcd.apiServerClientCertPem),
            key: await outputValue(etcd.apiServerClientKeyPem),
        };
    });

    test("a key written over TLS on one member reads back on another; plain-text clients are refused", async () => {
        expect(await tb.run("h1", etcdctl("put /it/first hello"))).toBe("OK\n");
        expect(await tb.run("h3", etcdctl("get /it/first --print-value-only", members[2].endpoint))).toBe("hello\n");
        const plain = await tb.ssh("h2", `ETCDCTL_API=3 etcdctl --endpoints=http://${tb.hosts[0].address}:2379 --dial-timeout=1s --command-timeout=2s get /it/first`);
        expect(plain.code).not.toBe(0);
    });

    test("running the whole bootstrap again (same names, same PKI) re-initialises nothing", async () => {
        const pidsBefore = await Promise.all(["h1", "h2", "h3"].map(etcdPid));
        expect(pidsBefore.every((p) => /^\d+$/.test(p))).toBe(true);
        const first = mocks;
        // The second run's tls resources return the first run's keys and certificates, as the tls provider's
        // state would on a real second `pulumi up`; everything else runs again over SSH.
        const reuse = (_inputs: unknown, name: string) => Promise.resolve(first.record(name).state!);
        mocks = await setExecutingMocks({
            connectTimeoutSeconds: 1,
            dialRetryDelayMs: 200,
            maxDialWaitMs: 30_000,
            handlers: Object.fromEntries(TLS_TYPES.map((t) => [t, reuse])),
        });
        const started = Date.now();
        const again = newEtcdCluster();
        const quorum = await outputValue(again.quorum, 60_000);
        timings["second bootstrap on the same hosts"] = `${ms(started)} ms`;
        expect(quorum.observed).toMatchObject({ ok: true, healthyMembers: 3 });
        for (let i = 0; i < 3; i++) {
            expect(mocks.record(`it-etcd-${i}-files`).state!.stdout).toBe("0 file(s) written, 7 unchanged");
            expect(mocks.record(`it-etcd-${i}-start`).state!.stdout).toBe(`etcd already running (pid ${pidsBefore[i]}) with this configuration`);
        }
        expect(await Promise.all(["h1", "h2", "h3"].map(etcdPid))).toEqual(pidsBefore);
        expect(await tb.run("h2", etcdctl("get /it/first --print-value-only"))).toBe("hello\n");
    });

    test("one member down: the gate (minHealthy = quorum) passes degraded, and writes still work", async () => {
        await tb.crash("h3");
        const gate = await runGate(2, 6);
        timings["gate with 1 of 3 down (pass)"] = `${gate.elapsedMs} ms`;
        expect(gate.code).toBe(0);
        expect(gate.observation).toMatchObject({ ok: true, degraded: true, healthyMembers: 2 });
        expect(gate.observation.members.find((m) => m.name === "etcd-2")).toMatchObject({ healthy: false });
        const started = Date.now();
        expect(await tb.run("h1", etcdctl("put /it/degraded yes", members.slice(0, 2).map((m) => m.endpoint).join(",")))).toBe("OK\n");
        timings["write with 1 of 3 down"] = `${ms(started)} ms (incl. SSH)`;
    });

    test("two members down: the gate fails within its 6 s bound and names the unhealthy members", async () => {
        await tb.crash("h2");
        const gate = await runGate(2, 6);
        timings["gate with 2 of 3 down (fail, timeoutSeconds 6)"] = `${gate.elapsedMs} ms`;
        expect(gate.code).toBe(1);
        // The bound holds on the host; the SSH connection and process start add well under 2 s here.
        expect(gate.elapsedMs).toBeLessThan(8000);
        expect(gate.observation.attempts).toBeGreaterThanOrEqual(1);
        expect(gate.observation.ok).toBe(false);
        expect(gate.stderr).toMatch(/quorum gate failed after \d+ attempt\(s\) in 6 seconds:/);
        expect(gate.stderr).toContain(`member etcd-1 (${members[1].endpoint}) is unhealthy`);
        expect(gate.stderr).toContain(`member etcd-2 (${members[2].endpoint}) is unhealthy`);
        // Quorum is lost, so the surviving member answers "unhealthy cluster" too.
        expect(gate.stderr).toContain(`member etcd-0 (${members[0].endpoint}) is unhealthy: Error: unhealthy cluster`);
        expect(gate.observation.healthyMembers).toBe(0);
        // Right after losing quorum the survivor may still call itself leader until its election timeout; never two.
        expect(gate.observation.leaderIds.length).toBeLessThanOrEqual(1);
    });

    test("the crashed members boot, the start step brings etcd back with its data, the gate passes 3/3", async () => {
        await Promise.all([tb.boot("h2"), tb.boot("h3")]);
        const started = Date.now();
        await Promise.all(["h2", "h3"].map(restartMember));
        const gate = await runGate(3, 30);
        timings["recovery after boot (start step + gate 3/3)"] = `${ms(started)} ms`;
        expect(gate.code).toBe(0);
        expect(gate.observation).toMatchObject({ ok: true, degraded: false, healthyMembers: 3 });
        expect(await tb.run("h3", etcdctl("get /it/degraded --print-value-only"))).toBe("yes\n");
    });

    test("the leader is killed: a new leader is elected and the gate passes again", async () => {
        const before = await runGate(3, 10);
        const leader = before.observation.members.find((m) => m.isLeader)!;
        const leaderIndex = members.findIndex((m) => m.name === leader.name);
        const leaderHost = tb.hosts[leaderIndex].name;
        const others = members.filter((_, i) => i !== leaderIndex);
        const other = tb.hosts[members.indexOf(others[0])].name;
        await tb.run(leaderHost, "pkill -KILL -f -- 'etcd --config-file'");
        const killedAt = Date.now();
        let newLeader = "";
        while (ms(killedAt) < 20_000) {
            const r = await tb.ssh(other, etcdctl("endpoint status -w fields", others[0].endpoint));
            const id = /"Leader" : (\d+)/.exec(r.stdout)?.[1];
            const oldId = BigInt(`0x${leader.id}`).toString();
            if (r.code === 0 && id && id !== "0" && id !== oldId) {
                newLeader = id;
                break;
            }
            await sleep(100);
        }
        timings["time to a new leader after SIGKILL of the leader"] = `${ms(killedAt)} ms (polled over SSH every ~100 ms)`;
        expect(newLeader).not.toBe("");
        const gate = await runGate(2, 10);
        expect(gate.code).toBe(0);
        expect(gate.observation).toMatchObject({ ok: true, degraded: true, healthyMembers: 2 });
        expect(gate.observation.members.find((m) => m.name === leader.name)).toMatchObject({ healthy: false, isLeader: false });
        await restartMember(leaderHost);
        expect((await runGate(3, 30)).code).toBe(0);
    });

    test("a learner nobody started is added: the gate fails naming it and the member count; removed, the gate passes", async () => {
        // etcd refuses membership changes until every member has been connected for 5 s (strict reconfig check).
        let added = "";
        for (const started = Date.now(); !added && ms(started) < 20_000; ) {
            const r = await tb.ssh("h1", etcdctl(`member add straggler --learner --peer-urls=https://${NET}.99:2380`, members[0].endpoint));
            if (r.code === 0) added = r.stdout;
            else await sleep(1000);
        }
        const learnerId = /Member ([0-9a-f]+) added/.exec(added)![1];
        try {
            const gate = await runGate(3, 3);
            expect(gate.code).toBe(1);
            expect(gate.stderr).toContain(`learner(s) not yet promoted: unstarted:${learnerId}`);
            expect(gate.stderr).toMatch(new RegExp(`etcd has 4 member\\(s\\) \\((etcd-\\d |unstarted:${learnerId} ){3}(etcd-\\d|unstarted:${learnerId})\\), expected 3`));
            // Every member itself is healthy: only membership is wrong.
            expect(gate.observation).toMatchObject({ ok: false, healthyMembers: 3 });
        } finally {
            await tb.run("h1", etcdctl(`member remove ${learnerId}`, members[0].endpoint));
        }
        expect((await runGate(3, 30)).observation).toMatchObject({ ok: true, healthyMembers: 3, problems: [] });
    });
});

describe("HAProxy + keepalived (ApiLoadBalancer) on h4 and h5 in front of the etcd members", () => {
    let lb: InstanceType<typeof hosts.ApiLoadBalancer>;

    test("the load balancer steps start HAProxy and keepalived; the virtual IP serves etcd's /health", async () => {
        // HAProxy's TLS health checks present a client certificate etcd accepts (kube-apiserver's would not need one).
        const pem = `${clientTls.cert}${clientTls.key}`;
        await Promise.all(
            ["h4", "h5"].map((h) =>
                tb.run(h, `mkdir -p ${CHECK_DIR} && cat > ${CHECK_DIR}/ca.crt && printf '%s' '${pem}' > ${CHECK_DIR}/client.pem && chmod 600 ${CHECK_DIR}/client.pem`, clientTls.ca),
            ),
        );
        const started = Date.now();
        lb = new hosts.ApiLoadBalancer("it-lb", {
            hosts: [clusterHost(3, "lb-0", "rack-a"), clusterHost(4, "lb-1", "rack-b")],
            backends: members.map((m, i) => ({ name: m.name, address: tb.hosts[i].address })),
            frontendPort: 6443,
            backendPort: 2379,
            healthCheckPath: "/health",
            healthCheckCaFile: `${CHECK_DIR}/ca.crt`,
            healthCheckCertFile: `${CHECK_DIR}/client.pem`,
            // The test hosts' hard file-descriptor limit is 20000; HAProxy needs about 2 per connection.
            maxConnections: 4000,
            virtualIp: VIRTUAL_IP,
            virtualIpInterface: "eth0",
            hostReadyTimeoutMinutes: 1,
        });
        expect(await outputValue(lb.endpoint, 60_000)).toBe(VIRTUAL_IP);
        expect(mocks.record("it-lb-lb-0-packages").state!.stdout).toBe("packages present: haproxy keepalived\nh4 prepared");
        expect(mocks.record("it-lb-lb-0-haproxy").state!.stdout).toMatch(/^wrote \/etc\/haproxy\/haproxy.cfg\nhaproxy started \(pid \d+\)$/);
        expect(mocks.record("it-lb-lb-1-keepalived").state!.stdout).toMatch(/keepalived started \(pid \d+\)$/);
        let vipUp = 0;
        while (ms(started) < 30_000 && !(await health(VIRTUAL_IP))) await sleep(100);
        vipUp = ms(started);
        timings["load balancer steps until the VIP serves"] = `${vipUp} ms`;
        expect(await tb.run("h4", "ip -br -4 addr show eth0")).toContain(`${VIRTUAL_IP}/32`);
        expect(await tb.run("h5", "ip -br -4 addr show eth0")).not.toContain(VIRTUAL_IP);
        // Wait until HAProxy's checks marked every backend UP (rise 2, inter 2 s) before the next test kills one.
        await untilEveryMemberServes();
        expect(await requestLoop(VIRTUAL_IP, 10)).toBe(0);
    });

    test("re-running the HAProxy step changes nothing (same pid, 'already running')", async () => {
        const pid = (await tb.run("h4", "cat /run/pulumi-k8s-ha-haproxy.pid")).trim();
        const rec = mocks.record("it-lb-lb-0-haproxy");
        const out = await tb.run("h4", rec.inputs.create as string);
        expect(out).toBe(`haproxy already running (pid ${pid}) with this configuration\n`);
    });

    // The backends are etcd members, so the victim is chosen by its raft role: when the leader dies, the survivors
    // answer /health with 503 ("leader changed") until they elect a new one. That is etcd, not the load balancer,
    // and has its own test below.
    /** SIGKILLs the etcd of host `index`, sends 20 new connections through the VIP once its port is closed, restarts it. */
    async function killAndProbe(index: number): Promise<{ ps: Probe[]; closedAfterMs: number; killedAt: number }> {
        const victim = tb.hosts[index].name;
        const killedAt = Date.now();
        try {
            const closedAfterMs = await killEtcd(victim);
            return { ps: await probes(VIRTUAL_IP, 20), closedAfterMs, killedAt };
        } finally {
            await restartMember(victim);
        }
    }

    test("a backend's process dies (an etcd follower): 20 new connections once its port is closed, 0 failures, none delayed", async () => {
        const { follower } = await leaderAndFollower();
        const { ps, closedAfterMs, killedAt } = await killAndProbe(follower);
        timings["new connections right after a follower's etcd was SIGKILLed"] =
            `port closed ${closedAfterMs} ms after the kill; 20 sent, ${ps.filter((p) => !p.ok).length} failed, slowest ${Math.max(...ps.map((p) => p.ms))} ms`;
        expect(ps.filter((p) => !p.ok).map((p) => describeProbes([p], killedAt))).toEqual([]);
        // A refused connect is retried on another server at once (round robin over 2+ servers: no 1 s turn-around)
        // and marks the server down (observe layer4, error-limit 1): nothing waits, nothing reaches the dead one.
        expect(ps.filter((p) => p.ms >= 1000).map((p) => describeProbes([p], killedAt))).toEqual([]);
        expect(ps.filter((p) => p.member === members[follower].name)).toEqual([]);
        expect((await runGate(3, 30)).code).toBe(0);
        await untilEveryMemberServes();
    });

    test("the etcd leader's process dies: every request through the VIP is answered; only etcd's election shows, for < 5 s", async () => {
        const { leader } = await leaderAndFollower();
        const { ps, closedAfterMs, killedAt } = await killAndProbe(leader);
        const notOk = ps.filter((p) => !p.ok);
        const windowMs = notOk.length === 0 ? 0 : Math.max(...notOk.map((p) => p.startedAt + p.ms)) - killedAt;
        timings["new connections right after the etcd leader was SIGKILLed"] =
            `port closed ${closedAfterMs} ms after the kill; 20 sent, ${notOk.length} answered 503 by the survivors during the election (until +${windowMs} ms after the kill)`;
        // The load balancer's part: every request reached a live member and got its answer.
        expect(ps.filter((p) => p.status === undefined).map((p) => describeProbes([p], killedAt))).toEqual([]);
        expect(ps.filter((p) => p.member === members[leader].name)).toEqual([]);
        // etcd's part: "not healthy" only while the survivors elect a leader (measured ~1-2 s after the kill).
        for (const p of notOk) expect({ status: p.status, body: p.body }).toEqual({ status: 503, body: expect.stringContaining('"health":"false"') });
        expect(windowMs).toBeLessThan(5000);
        expect((await runGate(3, 30)).code).toBe(0);
        await untilEveryMemberServes();
    });

    test("a backend host is cut off (link down: silent, as when powered off): 20 new connections, 0 failures, one waits 2 s", async () => {
        const { follower } = await leaderAndFollower();
        const victim = tb.hosts[follower].name;
        await tb.partition(victim);
        const cutAt = Date.now();
        let ps: Probe[];
        try {
            ps = await probes(VIRTUAL_IP, 20, 10_000);
        } finally {
            await tb.heal(victim);
        }
        const waited = ps.filter((p) => p.ms >= 1000);
        timings["new connections right after a backend host was cut off"] =
            `20 sent, ${ps.filter((p) => !p.ok).length} failed, ${waited.length} waited (${waited.map((p) => `${p.ms} ms`).join(", ") || "none"})`;
        expect(ps.filter((p) => !p.ok).map((p) => describeProbes([p], cutAt))).toEqual([]);
        // The first connect HAProxy sends to the silent server times out (timeout connect 2s), is retried on another
        // server and marks the server down: at most that one request waits, and by about the connect timeout only.
        expect(waited.length).toBeLessThanOrEqual(1);
        expect(Math.max(...ps.map((p) => p.ms))).toBeLessThan(3500);
        expect(ps.filter((p) => p.member === members[follower].name)).toEqual([]);
        expect((await runGate(3, 30)).code).toBe(0);
        await untilEveryMemberServes();
    });

    test("the active load balancer host dies: keepalived moves the VIP to h5, which serves", async () => {
        await tb.crash("h4");
        const crashedAt = Date.now();
        while (ms(crashedAt) < 20_000 && !(await health(VIRTUAL_IP))) await sleep(100);
        const failover = ms(crashedAt);
        timings["VIP failover after power-off of the active LB host"] = `${failover} ms (until /health answered through the VIP)`;
        expect(await tb.run("h5", "ip -br -4 addr show eth0")).toContain(`${VIRTUAL_IP}/32`);
        expect(failover).toBeLessThan(20_000);
        expect(await requestLoop(VIRTUAL_IP, 10)).toBe(0);
    });
});
