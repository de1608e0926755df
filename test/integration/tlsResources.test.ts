/** The executing mocks' @pulumi/tls stand-ins make keys and certificates that OpenSSL and OpenSSH accept. */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    certRequestState,
    locallySignedCertState,
    opensslSubject,
    privateKeyState,
    selfSignedCertState,
} from "./harness/tlsResources";

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "pkh-tls-test-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text, { mode: 0o600 });
    return f;
};

test.each([
    [{ algorithm: "RSA", rsaBits: 2048 }, "RSA PRIVATE KEY", /^ssh-rsa /],
    [{ algorithm: "ECDSA", ecdsaCurve: "P256" }, "EC PRIVATE KEY", /^ecdsa-sha2-nistp256 /],
    [{ algorithm: "ECDSA", ecdsaCurve: "P384" }, "EC PRIVATE KEY", /^ecdsa-sha2-nistp384 /],
    [{ algorithm: "ED25519" }, "PRIVATE KEY", /^ssh-ed25519 /],
])("%j: PEM and OpenSSH forms agree, and a CA chain verifies", async (args, pemLabel, sshPrefix) => {
    const key = await privateKeyState(args);
    expect(key.privateKeyPem).toMatch(new RegExp(`^-----BEGIN ${pemLabel}-----\n`));
    expect(key.publicKeyOpenssh).toMatch(sshPrefix);
    // ssh-keygen derives the same public key from the OpenSSH private key.
    const derived = execFileSync("ssh-keygen", ["-y", "-f", write("k", key.privateKeyOpenssh as string)], { encoding: "utf8" });
    expect(derived.trim()).toBe((key.publicKeyOpenssh as string).trim());
    const fp = execFileSync("ssh-keygen", ["-l", "-f", write("k.pub", key.publicKeyOpenssh as string)], { encoding: "utf8" });
    expect(fp).toContain(key.publicKeyFingerprintSha256 as string);

    const ca = await selfSignedCertState({
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: "ca", organization: "o/with slash" },
        isCaCertificate: true,
        validityPeriodHours: 10,
        allowedUses: ["cert_signing", "crl_signing"],
    });
    const leafKey = await privateKeyState({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const csr = await certRequestState({
        privateKeyPem: leafKey.privateKeyPem,
        subject: { commonName: "etcd-1", organization: "etcd" },
        dnsNames: ["etcd-1"],
        ipAddresses: ["10.0.0.1"],
    });
    const leaf = await locallySignedCertState({
        certRequestPem: csr.certRequestPem,
        caPrivateKeyPem: key.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 1.5,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    });
    const out = execFileSync(
        "openssl",
        ["verify", "-CAfile", write("ca.pem", ca.certPem as string), "-purpose", "sslclient", write("leaf.pem", leaf.certPem as string)],
        { encoding: "utf8" },
    );
    expect(out).toBe(`${path.join(dir, "leaf.pem")}: OK\n`);
    const caX = new X509Certificate(ca.certPem as string);
    const leafX = new X509Certificate(leaf.certPem as string);
    expect(caX.ca).toBe(true);
    expect(caX.subject).toBe("O=o/with slash\nCN=ca");
    expect(leafX.ca).toBe(false);
    expect(leafX.subject).toBe("O=etcd\nCN=etcd-1");
    expect(leafX.subjectAltName).toBe("DNS:etcd-1, IP Address:10.0.0.1");
    expect(leafX.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(Date.parse(leafX.validTo) - Date.parse(leafX.validFrom)).toBe(1.5 * 3_600_000);
    expect(leaf.validityStartTime).toBe(new Date(leafX.validFrom).toISOString().replace(".000Z", "Z"));
});

test("ECDSA P224 has no OpenSSH form, as with the tls provider", async () => {
    const key = await privateKeyState({ algorithm: "ECDSA" });
    expect(key.ecdsaCurve).toBe("P224");
    expect(key.publicKeyOpenssh).toBe("");
    expect(key.privateKeyOpenssh).toBe("");
});

test.each([
    [{ commonName: "a", organization: "b" }, "/O=b/CN=a"],
    [{}, "/"],
    [{ country: "DE", streetAddresses: ["x 1", "y"], commonName: "a+b=c" }, "/C=DE/street=x 1/street=y/CN=a\\+b\\=c"],
])("opensslSubject(%j) = %s", (subject, expected) => {
    expect(opensslSubject(subject)).toBe(expected);
});

test.each([
    [{ validityPeriodHours: 0 }, "tls mock: validityPeriodHours must be a positive number, got 0"],
    [{ validityPeriodHours: 1, allowedUses: ["server_auth", "nope"] }, "tls mock: unknown allowedUses nope"],
])("selfSignedCert rejects %j", async (extra, message) => {
    const key = await privateKeyState({ algorithm: "ED25519" });
    await expect(selfSignedCertState({ privateKeyPem: key.privateKeyPem, ...extra })).rejects.toThrow(message);
});
