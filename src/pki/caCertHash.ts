import { createHash, X509Certificate } from "node:crypto";

/**
 * kubeadm's `caCertHashes` entry for a CA certificate: `sha256:` + the hex SHA-256 of the certificate's
 * DER-encoded SubjectPublicKeyInfo. Known from the generated CA, so joins pin the CA without asking the cluster.
 */
export function caCertHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}
