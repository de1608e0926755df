import * as pulumi from "@pulumi/pulumi";
import type { BundledFile } from "../bootstrap/fileBundle";
import { paths } from "../bootstrap/paths";
import { CertificateAuthority, createCertificateAuthority, createSignedCertificate, SignedCertificate } from "./certificateAuthority";

/** One external etcd member the PKI issues a certificate for. */
export interface EtcdPkiMember {
  /** Member name (a SAN too). */
  name: string;
  /** Its private address (an IP SAN). */
  address: pulumi.Input<string>;
}

/** Arguments of {@link EtcdPki}. */
export interface EtcdPkiArgs {
  /** The members, in order. */
  members: EtcdPkiMember[];
  /** Extra SANs on every member certificate (e.g. a load balancer in front of etcd). @default [] */
  extraServerSans?: pulumi.Input<string>[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * PKI of an external etcd tier: its CA, one certificate per member (server and peer, with the `clientAuth`
 * usage too, which etcd's gateway needs when client-cert auth is on), and the client certificate
 * kube-apiserver presents to etcd.
 */
export class EtcdPki extends pulumi.ComponentResource {
  /** The etcd CA. */
  readonly ca: CertificateAuthority;
  /** One certificate per member, in member order. */
  readonly memberCertificates: SignedCertificate[];
  /** kube-apiserver's etcd client certificate. */
  readonly apiServerClient: SignedCertificate;

  constructor(name: string, args: EtcdPkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-k8s-ha:pki:EtcdPki", name, {}, opts);
    this.ca = createCertificateAuthority(`${name}-ca`, "etcd-ca", this);
    const extra = pulumi.output(args.extraServerSans ?? []);
    this.memberCertificates = args.members.map((member) =>
      createSignedCertificate(
        `${name}-${member.name}`,
        this.ca,
        {
          commonName: member.name,
          dnsNames: extra.apply((sans) => [member.name, "localhost", ...sans.filter((s) => !IPV4.test(s))]),
          ipAddresses: pulumi
            .all([member.address, extra])
            .apply(([address, sans]) => [address, "127.0.0.1", ...sans.filter((s) => IPV4.test(s))]),
          usages: ["server_auth", "client_auth"],
        },
        this,
      ),
    );
    this.apiServerClient = createSignedCertificate(
      `${name}-apiserver-client`,
      this.ca,
      { commonName: "kube-apiserver-etcd-client", usages: ["client_auth"] },
      this,
    );
    this.registerOutputs({});
  }

  /** Files of member `index`: CA certificate and its certificate as both server and peer certificate. Secret. */
  memberFiles(index: number): pulumi.Output<BundledFile[]> {
    const member = this.memberCertificates[index];
    const dir = paths.etcdPkiDir;
    return pulumi.secret(
      pulumi.all([this.ca.cert.certPem, member.cert.certPem, member.key.privateKeyPem]).apply(([ca, cert, key]) => [
        { path: `${dir}/ca.crt`, mode: "0644", content: ca },
        { path: `${dir}/server.crt`, mode: "0644", content: cert },
        { path: `${dir}/server.key`, mode: "0600", content: key },
        { path: `${dir}/peer.crt`, mode: "0644", content: cert },
        { path: `${dir}/peer.key`, mode: "0600", content: key },
      ]),
    );
  }
}
