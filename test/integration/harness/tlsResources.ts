/**
 * Real keys and X.509 certificates for the @pulumi/tls resource types, so that etcd, HAProxy and kubeadm on the
 * test hosts accept what a program under test generated. Keys come from node:crypto; certificates from the
 * `openssl` CLI (`openssl ca`, which takes exact start/end dates, so `validityPeriodHours` is honoured to the
 * second). Output property names are those of @pulumi/tls 5.x.
 */
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ed25519OpensshPrivateKey, sshFingerprints, sshPublicKeyLine } from "./opensshKeys";

/** Resource inputs/state as plain values (secrets already unwrapped). */
export type Props = Record<string, unknown>;

const KEY_USAGES: Record<string, string> = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};

const EXT_KEY_USAGES: Record<string, string> = {
    any_extended: "anyExtendedKeyUsage",
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    ipsec_end_system: "ipsecEndSystem",
    ipsec_tunnel: "ipsecTunnel",
    ipsec_user: "ipsecUser",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
    microsoft_server_gated_crypto: "msSGC",
    netscape_server_gated_crypto: "nsSGC",
};

/** Subject fields in the order Go's pkix.Name writes them, with their OpenSSL short names. */
const SUBJECT_FIELDS: ReadonlyArray<readonly [string, string]> = [
    ["country", "C"],
    ["province", "ST"],
    ["locality", "L"],
    ["streetAddresses", "street"],
    ["postalCode", "postalCode"],
    ["organization", "O"],
    ["organizationalUnit", "OU"],
    ["commonName", "CN"],
    ["serialNumber", "serialNumber"],
    ["emailAddress", "emailAddress"],
];

const CURVES: Record<string, string> = { P224: "secp224r1", P256: "prime256v1", P384: "secp384r1", P521: "secp521r1" };

function run(cmd: string, args: readonly string[], cwd: string): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile(cmd, [...args], { cwd, timeout: 30_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
        ),
    );
}

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(path.join(tmpdir(), "pkh-tls-"));
    try {
        return await fn(dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function keyAlgorithmOf(key: KeyObject): string {
    switch (key.asymmetricKeyType) {
        case "rsa":
            return "RSA";
        case "ec":
            return "ECDSA";
        case "ed25519":
            return "ED25519";
        default:
            throw new Error(`tls mock: unsupported key type ${key.asymmetricKeyType}`);
    }
}

/** State of `tls:index/privateKey:PrivateKey` from its inputs (algorithm, rsaBits, ecdsaCurve). */
export async function privateKeyState(inputs: Props): Promise<Props> {
    const algorithm = str(inputs.algorithm);
    const rsaBits = typeof inputs.rsaBits === "number" ? inputs.rsaBits : 2048;
    const ecdsaCurve = str(inputs.ecdsaCurve) || "P224";
    let pair: { privateKey: KeyObject; publicKey: KeyObject };
    let pem: string;
    if (algorithm === "RSA") {
        pair = generateKeyPairSync("rsa", { modulusLength: rsaBits });
        pem = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    } else if (algorithm === "ECDSA") {
        const curve = CURVES[ecdsaCurve];
        if (curve === undefined) {
            throw new Error(`tls mock: unsupported ecdsaCurve ${ecdsaCurve}`);
        }
        pair = generateKeyPairSync("ec", { namedCurve: curve });
        pem = pair.privateKey.export({ type: "sec1", format: "pem" }).toString();
    } else if (algorithm === "ED25519") {
        pair = generateKeyPairSync("ed25519");
        pem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    } else {
        throw new Error(`tls mock: unsupported algorithm "${algorithm}"`);
    }
    const publicKeyOpenssh = sshPublicKeyLine(pair.publicKey);
    const fp = sshFingerprints(pair.publicKey);
    return {
        ...inputs,
        rsaBits,
        ecdsaCurve,
        privateKeyPem: pem,
        privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        privateKeyOpenssh: publicKeyOpenssh === "" ? "" : await opensshPrivateKey(pair.privateKey, pem),
        publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
        publicKeyOpenssh,
        publicKeyFingerprintSha256: fp.sha256,
        publicKeyFingerprintMd5: fp.md5,
    };
}

async function opensshPrivateKey(key: KeyObject, pem: string): Promise<string> {
    if (key.asymmetricKeyType === "ed25519") {
        return ed25519OpensshPrivateKey(key);
    }
    return inTempDir(async (dir) => {
        writeFileSync(path.join(dir, "k"), pem, { mode: 0o600 });
        await run("ssh-keygen", ["-q", "-p", "-N", "", "-f", "k"], dir);
        return readFileSync(path.join(dir, "k"), "utf8");
    });
}

/** OpenSSL `-subj` text of a tls subject object ("/" when empty). */
export function opensslSubject(subject: unknown): string {
    const s = (subject ?? {}) as Props;
    const esc = (v: string): string => v.replace(/[\\/+=]/g, (c) => `\\${c}`);
    const parts: string[] = [];
    for (const [field, short] of SUBJECT_FIELDS) {
        for (const v of Array.isArray(s[field]) ? (s[field] as unknown[]) : [s[field]]) {
            if (typeof v === "string" && v !== "") {
                parts.push(`/${short}=${esc(v)}`);
            }
        }
    }
    return parts.length === 0 ? "/" : parts.join("");
}

/** subjectAltName value for DNS names, IP addresses and URIs, or undefined when there are none. */
function subjectAltName(inputs: Props): string | undefined {
    const sans = [
        ...strs(inputs.dnsNames).map((d) => `DNS:${d}`),
        ...strs(inputs.ipAddresses).map((i) => `IP:${i}`),
        ...strs(inputs.uris).map((u) => `URI:${u}`),
    ];
    return sans.length === 0 ? undefined : sans.join(",");
}

/** Extension section lines for `openssl ca` from allowedUses / isCaCertificate (and SANs when given). */
export function certExtensions(inputs: Props, san: string | undefined, authorityKeyId: boolean): string[] {
    const uses = strs(inputs.allowedUses);
    const unknown = uses.filter((u) => KEY_USAGES[u] === undefined && EXT_KEY_USAGES[u] === undefined);
    if (unknown.length > 0) {
        throw new Error(`tls mock: unknown allowedUses ${unknown.join(", ")}`);
    }
    const ku = uses.filter((u) => KEY_USAGES[u] !== undefined).map((u) => KEY_USAGES[u]);
    const eku = uses.filter((u) => EXT_KEY_USAGES[u] !== undefined).map((u) => EXT_KEY_USAGES[u]);
    const lines = [`basicConstraints = critical,CA:${inputs.isCaCertificate === true ? "TRUE" : "FALSE"}`];
    if (ku.length > 0) lines.push(`keyUsage = critical,${ku.join(",")}`);
    if (eku.length > 0) lines.push(`extendedKeyUsage = ${eku.join(",")}`);
    if (san !== undefined) lines.push(`subjectAltName = ${san}`);
    lines.push("subjectKeyIdentifier = hash");
    if (authorityKeyId) lines.push("authorityKeyIdentifier = keyid");
    return lines;
}

/** `YYMMDDHHMMSSZ` (UTCTime, as `openssl ca -startdate` takes it). */
const utcTime = (d: Date): string => d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";

/** RFC 3339 without milliseconds, as the tls provider reports validity times. */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

async function signWithOpensslCa(
    dir: string,
    csrFile: string,
    caArgs: readonly string[],
    extensions: readonly string[],
    copySans: boolean,
    validityPeriodHours: number,
): Promise<{ certPem: string; start: Date; end: Date }> {
    const start = new Date(Math.floor(Date.now() / 1000) * 1000);
    const end = new Date(start.getTime() + validityPeriodHours * 3_600_000);
    writeFileSync(path.join(dir, "index.txt"), "");
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    writeFileSync(path.join(dir, "serial"), `${serial.toString("hex")}\n`);
    writeFileSync(
        path.join(dir, "ca.cnf"),
        [
            "[ca]",
            "default_ca = tb",
            "[tb]",
            `database = ${path.join(dir, "index.txt")}`,
            `new_certs_dir = ${dir}`,
            `serial = ${path.join(dir, "serial")}`,
            "default_md = default",
            "policy = pol",
            "unique_subject = no",
            "email_in_dn = yes",
            `copy_extensions = ${copySans ? "copy" : "none"}`,
            "[pol]",
            "commonName = optional",
            "[ext]",
            ...extensions,
            "",
        ].join("\n"),
    );
    await run(
        "openssl",
        ["ca", "-batch", "-config", "ca.cnf", "-in", csrFile, ...caArgs, "-extensions", "ext", "-preserveDN",
            "-notext", "-startdate", utcTime(start), "-enddate", utcTime(end), "-out", "cert.pem"],
        dir,
    );
    return { certPem: readFileSync(path.join(dir, "cert.pem"), "utf8"), start, end };
}

const validityHours = (inputs: Props): number => {
    const h = inputs.validityPeriodHours;
    if (typeof h !== "number" || !(h > 0)) {
        throw new Error(`tls mock: validityPeriodHours must be a positive number, got ${String(h)}`);
    }
    return h;
};

/** State of `tls:index/certRequest:CertRequest`. */
export async function certRequestState(inputs: Props): Promise<Props> {
    return inTempDir(async (dir) => {
        const key = createPrivateKey(str(inputs.privateKeyPem));
        writeFileSync(path.join(dir, "key.pem"), str(inputs.privateKeyPem), { mode: 0o600 });
        const san = subjectAltName(inputs);
        await run(
            "openssl",
            ["req", "-new", "-key", "key.pem", "-subj", opensslSubject(inputs.subject), "-out", "csr.pem",
                ...(san === undefined ? [] : ["-addext", `subjectAltName = ${san}`])],
            dir,
        );
        return { ...inputs, keyAlgorithm: keyAlgorithmOf(key), certRequestPem: readFileSync(path.join(dir, "csr.pem"), "utf8") };
    });
}

/** State of `tls:index/selfSignedCert:SelfSignedCert`. */
export async function selfSignedCertState(inputs: Props): Promise<Props> {
    const hours = validityHours(inputs);
    return inTempDir(async (dir) => {
        const key = createPrivateKey(str(inputs.privateKeyPem));
        writeFileSync(path.join(dir, "key.pem"), str(inputs.privateKeyPem), { mode: 0o600 });
        await run("openssl", ["req", "-new", "-key", "key.pem", "-subj", opensslSubject(inputs.subject), "-out", "csr.pem"], dir);
        const exts = certExtensions(inputs, subjectAltName(inputs), inputs.setAuthorityKeyId === true);
        const c = await signWithOpensslCa(dir, "csr.pem", ["-selfsign", "-keyfile", "key.pem"], exts, false, hours);
        return certState(inputs, c, { keyAlgorithm: keyAlgorithmOf(key) });
    });
}

/** State of `tls:index/locallySignedCert:LocallySignedCert` (subject and SANs come from the CSR, as in the provider). */
export async function locallySignedCertState(inputs: Props): Promise<Props> {
    const hours = validityHours(inputs);
    return inTempDir(async (dir) => {
        const caKey = createPrivateKey(str(inputs.caPrivateKeyPem));
        const caCert = str(inputs.caCertPem);
        // Fail early and clearly if the CA key does not belong to the CA certificate.
        const caPub = createPublicKey(caCert).export({ type: "spki", format: "der" });
        if (!caPub.equals(createPublicKey(caKey).export({ type: "spki", format: "der" }))) {
            throw new Error("tls mock: caPrivateKeyPem does not match caCertPem");
        }
        writeFileSync(path.join(dir, "ca-key.pem"), str(inputs.caPrivateKeyPem), { mode: 0o600 });
        writeFileSync(path.join(dir, "ca.pem"), caCert);
        writeFileSync(path.join(dir, "csr.pem"), str(inputs.certRequestPem));
        const c = await signWithOpensslCa(
            dir,
            "csr.pem",
            ["-cert", "ca.pem", "-keyfile", "ca-key.pem"],
            certExtensions(inputs, undefined, true),
            true,
            hours,
        );
        return certState(inputs, c, { caKeyAlgorithm: keyAlgorithmOf(caKey) });
    });
}

function certState(inputs: Props, c: { certPem: string; start: Date; end: Date }, extra: Props): Props {
    return {
        ...inputs,
        ...extra,
        certPem: c.certPem,
        validityStartTime: rfc3339(c.start),
        validityEndTime: rfc3339(c.end),
        readyForRenewal: false,
        earlyRenewalHours: typeof inputs.earlyRenewalHours === "number" ? inputs.earlyRenewalHours : 0,
    };
}
