/** OpenSSH encodings of node:crypto keys (authorized_keys line, fingerprints, openssh-key-v1 private key). */
import { createHash, KeyObject, randomBytes } from "node:crypto";

const sshString = (b: Buffer | string): Buffer => {
    const body = typeof b === "string" ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
};

const mpint = (b64url: string): Buffer => {
    let b = Buffer.from(b64url, "base64url");
    while (b.length > 1 && b[0] === 0) b = b.subarray(1);
    return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
};

const CURVES: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/** The SSH wire-format public key blob, or undefined for keys OpenSSH cannot use (e.g. ECDSA P-224). */
export function sshPublicBlob(publicKey: KeyObject): Buffer | undefined {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (publicKey.asymmetricKeyType === "ec" && !["prime256v1", "secp384r1", "secp521r1"].includes(curve ?? "")) {
        return undefined; // node cannot export P-224 as JWK, and OpenSSH has no P-224 keys
    }
    const jwk = publicKey.export({ format: "jwk" });
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
        return Buffer.concat([sshString("ssh-ed25519"), sshString(Buffer.from(jwk.x!, "base64url"))]);
    }
    if (jwk.kty === "RSA") {
        return Buffer.concat([sshString("ssh-rsa"), mpint(jwk.e!), mpint(jwk.n!)]);
    }
    const sshCurve = jwk.kty === "EC" ? CURVES[jwk.crv ?? ""] : undefined;
    if (sshCurve === undefined) {
        return undefined;
    }
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    return Buffer.concat([sshString(`ecdsa-sha2-${sshCurve}`), sshString(sshCurve), sshString(point)]);
}

/** `authorized_keys` line with a trailing newline, as the tls provider outputs it ("" when unsupported). */
export function sshPublicKeyLine(publicKey: KeyObject): string {
    const blob = sshPublicBlob(publicKey);
    return blob === undefined ? "" : `${blob.subarray(4, 4 + blob.readUInt32BE(0)).toString()} ${blob.toString("base64")}\n`;
}

/** OpenSSH fingerprints ("SHA256:..." and colon-separated MD5), both "" when unsupported. */
export function sshFingerprints(publicKey: KeyObject): { sha256: string; md5: string } {
    const blob = sshPublicBlob(publicKey);
    if (blob === undefined) {
        return { sha256: "", md5: "" };
    }
    const md5 = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
    return { sha256: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`, md5 };
}

/** Unencrypted openssh-key-v1 PEM of an Ed25519 private key (ssh-keygen cannot convert PKCS#8 Ed25519). */
export function ed25519OpensshPrivateKey(privateKey: KeyObject): string {
    const jwk = privateKey.export({ format: "jwk" });
    const pub = Buffer.from(jwk.x!, "base64url");
    const seed = Buffer.from(jwk.d!, "base64url");
    const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
    const check = randomBytes(4);
    let priv = Buffer.concat([
        check,
        check,
        sshString("ssh-ed25519"),
        sshString(pub),
        sshString(Buffer.concat([seed, pub])),
        sshString(""),
    ]);
    const pad = (8 - (priv.length % 8)) % 8;
    priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
    const body = Buffer.concat([
        Buffer.from("openssh-key-v1\0"),
        sshString("none"),
        sshString("none"),
        sshString(""),
        Buffer.from([0, 0, 0, 1]),
        sshString(blob),
        sshString(priv),
    ]).toString("base64");
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
