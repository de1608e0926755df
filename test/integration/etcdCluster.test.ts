/**
 * The library's real EtcdCluster component and ApiLoadBalancer (HAProxy + keepalived) run, under the executing
 * mocks, against VM-like hosts in network namespaces: h1-h3 are the etcd members, h4-h5 the load balancers.
 * Only the preparation marker is written by the test (simulating cloud-init); everything after it is the
 * library's own scripts over real SSH. Faults are provoked on the hosts; failing gates are run directly over SSH
 * with the exact script the library renders (a failing resource would reject inside the Pulumi runtime).
 * Measured timings are printed at the end.
 */
import { request } from "node:https";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../../src/cluster/types";
import type { GateObservation } from "../../src/cluster/quorumReport";
import type { GateMember } from "../../src/bootstrap/scripts/quorumGate";
import { ExecutingMocks, setExecutingMocks } from "./harness/executingMocks";
import { outputValue } from "./harness/outputs";
import { startTestbed, Testbed, testbedNamespaces } from "./harness/testbed";

jest.setTimeout(90_000);

const MARKER = "/var/lib/pulumi-k8s-ha/node-prepared";
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

/** GET /health on etcd through `address:6443` (a new TCP connection per request, client certificate of kube-apiserver). */
function health(address: string): Promise<boolean> {
    return new Promise((resolve) => {
        const req = request(
            { host: address, port: 6443, path: "/health", method: "GET", agent: false, timeout: 3000, ...clientTls },
            (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve(false));
        req.end();
    });
}

async function requestLoop(address: string, count: number): Promise<number> {
    let failures = 0;
    for (let i = 0; i < count; i++) if (!(await health(address))) failures++;
    return failures;
}

beforeAll(async () => {
    mocks = await setExecutingMocks({ connectTimeoutSeconds: 1, dialRetryDelayMs: 200, maxDialWaitMs: 30_000 });
    cluster = await import("../../src/cluster");
    hosts = await import("../../src/hosts");
    scripts = await import("../../src/bootstrap/scripts");
    credentials = (await import("../../src/cluster/constants")).gateCredentials;
    tb = await startTestbed(5);
    // Simulates cloud-init's last act on each machine: the preparation marker. Everything else is the library's.
    await Promise.all(tb.hosts.map((h) => tb.run(h, `mkdir -p /var/lib/pulumi-k8s-ha && date -u > ${MARKER}`)));
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
        await sleep(4500);
        expect(await requestLoop(VIRTUAL_IP, 10)).toBe(0);
    });

    test("re-running the HAProxy step changes nothing (same pid, 'already running')", async () => {
        const pid = (await tb.run("h4", "cat /run/pulumi-k8s-ha-haproxy.pid")).trim();
        const rec = mocks.record("it-lb-lb-0-haproxy");
        const out = await tb.run("h4", rec.inputs.create as string);
        expect(out).toBe(`haproxy already running (pid ${pid}) with this configuration\n`);
    });

    test("a backend dies: 20 requests through the VIP right after, 0 failures (retries + redispatch)", async () => {
        await tb.run("h1", "pkill -KILL -f -- 'etcd --config-file'");
        const failures = await requestLoop(VIRTUAL_IP, 20);
        timings["requests through HAProxy right after a backend died"] = `20 sent, ${failures} failed`;
        expect(failures).toBe(0);
        await restartMember("h1");
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
