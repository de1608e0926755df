/**
 * Smoke test of the real-host test bed and the executing mocks: real @pulumi/command resources run over SSH on
 * hosts in network namespaces; ordering, secrets, crashes and partitions behave as on real machines.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as commandModule from "@pulumi/command";
import type * as randomModule from "@pulumi/random";
import type * as tlsModule from "@pulumi/tls";
import { ExecutingMocks, setExecutingMocks } from "./harness/executingMocks";
import { expectFailure, outputValue } from "./harness/outputs";
import { startTestbed, Testbed, testbedNamespaces } from "./harness/testbed";

jest.setTimeout(60_000);

let tb: Testbed;
let mocks: ExecutingMocks;
let command: typeof commandModule;
let tls: typeof tlsModule;
let random: typeof randomModule;

const conn = (i: number, extra: Partial<commandModule.types.input.remote.ConnectionArgs> = {}) => ({
    host: tb.hosts[i].address,
    user: "root",
    privateKey: pulumi.secret(tb.privateKeyPem),
    ...extra,
});

beforeAll(async () => {
    mocks = await setExecutingMocks({ connectTimeoutSeconds: 1, dialRetryDelayMs: 200, maxDialWaitMs: 20_000 });
    command = await import("@pulumi/command");
    tls = await import("@pulumi/tls");
    random = await import("@pulumi/random");
    tb = await startTestbed(3);
});

afterAll(async () => {
    await tb?.stop();
    expect(await testbedNamespaces()).toEqual([]);
});

test("a remote Command with stdin and a secret key runs on host 2 and its stdout comes back", async () => {
    const cmd = new command.remote.Command("stdin-echo", {
        connection: conn(1),
        create: "tr a-z A-Z; echo; hostname",
        stdin: "hello from stdin",
    });
    expect(await outputValue(cmd.stdout, 20_000)).toBe("HELLO FROM STDIN\nh2");
    const rec = mocks.record("stdin-echo");
    expect((rec.inputs.connection as { privateKey: string }).privateKey).toBe(tb.privateKeyPem);
    expect(rec.dialAttempts).toBe(1);
});

test("dependsOn order is respected while independent commands run concurrently", async () => {
    const first = new command.remote.Command("order-first", { connection: conn(0), create: "sleep 1; echo first" });
    const parallel = new command.remote.Command("order-parallel", { connection: conn(0), create: "sleep 1; echo parallel" });
    const second = new command.remote.Command(
        "order-second",
        { connection: conn(2), create: "echo second" },
        { dependsOn: [first] },
    );
    expect(await outputValue(second.stdout, 20_000)).toBe("second");
    expect(await outputValue(parallel.stdout, 20_000)).toBe("parallel");
    const [a, p, b] = ["order-first", "order-parallel", "order-second"].map((n) => mocks.record(n));
    expect(b.startedAtMs).toBeGreaterThanOrEqual(a.endedAtMs!);
    expect(p.startedAtMs).toBeLessThan(a.endedAtMs!);
    expect(a.endedAtMs! - a.startedAtMs).toBeGreaterThanOrEqual(1000);
});

test("a failing command fails its resource with stdout and stderr in the message", async () => {
    const create = "echo out; echo boom >&2; exit 3";
    expectFailure(new command.remote.Command("fails", { connection: conn(0), create }));
    const rec = await mocks.settled("fails", 20_000);
    expect(rec.error?.message).toBe(`Process exited with status 3: running "${create}":\nout\n\nboom\n`);
    expect(rec.state).toBeUndefined();
});

test("a crashed host makes a command with dialErrorLimit 0 fail fast; boot brings it back", async () => {
    await tb.crash("h3");
    expectFailure(new command.remote.Command("to-crashed", { connection: conn(2, { dialErrorLimit: 0 }), create: "true" }));
    const rec = await mocks.settled("to-crashed", 20_000);
    expect(rec.error?.message).toMatch(/Connection refused/);
    expect(rec.dialAttempts).toBe(1);
    expect(rec.endedAtMs! - rec.startedAtMs).toBeLessThan(2000);
    await tb.boot("h3");
    expect(await tb.run("h3", "hostname")).toBe("h3\n");
});

test("a partitioned host healed after ~3 s lets a command with dialErrorLimit -1 succeed", async () => {
    await tb.partition("h1");
    const healed = new Promise<number>((resolve, reject) =>
        setTimeout(() => tb.heal("h1").then(() => resolve(Date.now()), reject), 3000),
    );
    const cmd = new command.remote.Command("after-heal", {
        connection: conn(0, { dialErrorLimit: -1 }),
        create: "hostname",
    });
    expect(await outputValue(cmd.stdout, 30_000)).toBe("h1");
    const healedAt = await healed;
    const rec = mocks.record("after-heal");
    expect(rec.dialAttempts).toBeGreaterThan(1);
    expect(rec.endedAtMs!).toBeGreaterThanOrEqual(healedAt);
});

test("tls resources are real: a CA-signed server cert verifies on a host, copied there with CopyToRemote", async () => {
    const caKey = new tls.PrivateKey("ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const ca = new tls.SelfSignedCert("ca", {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: "test-ca", organization: "pulumi-k8s-ha" },
        validityPeriodHours: 48,
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    });
    const key = new tls.PrivateKey("srv-key", { algorithm: "RSA", rsaBits: 2048 });
    const csr = new tls.CertRequest("srv-csr", {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: "h2" },
        dnsNames: ["h2", "localhost"],
        ipAddresses: [tb.hosts[1].address, "127.0.0.1"],
    });
    const cert = new tls.LocallySignedCert("srv-cert", {
        certRequestPem: csr.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 24,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    });
    const copied = [
        new command.remote.CopyToRemote("copy-ca", {
            connection: conn(1),
            source: ca.certPem.apply((p) => new pulumi.asset.StringAsset(p)),
            remotePath: "/root/ca.pem",
        }),
        new command.remote.CopyToRemote("copy-cert", {
            connection: conn(1),
            source: cert.certPem.apply((p) => new pulumi.asset.StringAsset(p)),
            remotePath: "/root/srv.pem",
        }),
    ];
    const verify = new command.remote.Command(
        "verify",
        {
            connection: conn(1),
            create:
                "openssl verify -CAfile /root/ca.pem -purpose sslserver /root/srv.pem && " +
                "openssl x509 -in /root/srv.pem -noout -ext subjectAltName,keyUsage,extendedKeyUsage -enddate",
        },
        { dependsOn: copied },
    );
    const out = await outputValue(verify.stdout, 30_000);
    expect(out).toMatch(/^\/root\/srv.pem: OK$/m);
    expect(out).toMatch(/DNS:h2, DNS:localhost, IP Address:10\.213\.0\.12, IP Address:127\.0\.0\.1/);
    expect(out).toMatch(/Digital Signature, Key Encipherment/);
    expect(out).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    const end = Date.parse(mocks.record("srv-cert").state!.validityEndTime as string);
    const start = Date.parse(mocks.record("srv-cert").state!.validityStartTime as string);
    expect(end - start).toBe(24 * 3_600_000);
});

test("a tls ED25519 key authorizes SSH logins, also through a bastion (connection.proxy)", async () => {
    const key = new tls.PrivateKey("login-key", { algorithm: "ED25519" });
    const authorize = new command.remote.Command("authorize", {
        connection: conn(2),
        create: "cat >> /root/.ssh/authorized_keys",
        stdin: key.publicKeyOpenssh,
    });
    const viaBastion = new command.remote.Command(
        "via-bastion",
        {
            connection: {
                host: tb.hosts[2].address,
                privateKey: key.privateKeyOpenssh,
                proxy: { host: tb.hosts[0].address, privateKey: pulumi.secret(tb.privateKeyPem) },
            },
            create: "hostname; echo $SSH_CONNECTION | cut -d' ' -f1",
        },
        { dependsOn: [authorize] },
    );
    // The bastion h1 opens the TCP connection to h3, so h3 sees h1's address as the client.
    expect(await outputValue(viaBastion.stdout, 20_000)).toBe(`h3\n${tb.hosts[0].address}`);
    expect(mocks.record("login-key").state!.publicKeyOpenssh).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+\n$/);
});

test("random strings honour length and character classes", async () => {
    const s = new random.RandomString("token", { length: 24, special: false, upper: false, minNumeric: 4 });
    const v = await outputValue(s.result, 10_000);
    expect(v).toMatch(/^[a-z0-9]{24}$/);
    expect(v.replace(/[^0-9]/g, "").length).toBeGreaterThanOrEqual(4);
});
