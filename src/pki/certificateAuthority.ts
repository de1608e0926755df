import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Ten years: CAs outlive the leaf certificates kubeadm renews. */
export const CA_VALIDITY_HOURS = 87600;
/** One year for leaf certificates the program signs, renewed by `pulumi up` in the last 30 days. */
export const LEAF_VALIDITY_HOURS = 8760;
export const LEAF_EARLY_RENEWAL_HOURS = 720;

/** A CA generated with @pulumi/tls: its key (secret PEM) and self-signed certificate. */
export interface CertificateAuthority {
  /** The CA private key resource. */
  key: tls.PrivateKey;
  /** The self-signed CA certificate resource. */
  cert: tls.SelfSignedCert;
}

/** Creates a CA (RSA 2048, as kubeadm makes its own) named `${name}`, child of `parent`. */
export function createCertificateAuthority(name: string, commonName: string, parent: pulumi.Resource): CertificateAuthority {
  const key = new tls.PrivateKey(`${name}-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent });
  const cert = new tls.SelfSignedCert(
    `${name}-cert`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName },
      isCaCertificate: true,
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
    },
    { parent },
  );
  return { key, cert };
}

/** Options of {@link createSignedCertificate}. */
export interface SignedCertificateOptions {
  /** Subject common name. */
  commonName: string;
  /** Subject organisation (Kubernetes reads it as a group). */
  organization?: string;
  /** DNS subject alternative names. */
  dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
  /** IP subject alternative names. */
  ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extended usages: server, client or both. */
  usages: ("server_auth" | "client_auth")[];
}

/** A leaf key pair signed by a CA. */
export interface SignedCertificate {
  key: tls.PrivateKey;
  cert: tls.LocallySignedCert;
}

/** Creates an ECDSA P-256 key and a certificate for it signed by `ca`. */
export function createSignedCertificate(
  name: string,
  ca: CertificateAuthority,
  options: SignedCertificateOptions,
  parent: pulumi.Resource,
): SignedCertificate {
  const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const request = new tls.CertRequest(
    `${name}-csr`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: options.commonName, organization: options.organization },
      dnsNames: options.dnsNames,
      ipAddresses: options.ipAddresses,
    },
    { parent },
  );
  const cert = new tls.LocallySignedCert(
    `${name}-cert`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: ca.key.privateKeyPem,
      caCertPem: ca.cert.certPem,
      validityPeriodHours: LEAF_VALIDITY_HOURS,
      earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
      allowedUses: ["digital_signature", "key_encipherment", ...options.usages],
    },
    { parent },
  );
  return { key, cert };
}
