import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { AwsSettings } from "./validate";

/** The SSH key pair every machine trusts and the program connects with. */
export interface ClusterSshKey {
  /** The EC2 key pair (its name goes into every instance's `keyName`). */
  keyPair: ec2.KeyPair;
  /** The private key, always a Pulumi secret. */
  privateKey: pulumi.Output<string>;
}

/**
 * Imports the user's public key, or generates an ED25519 key pair with @pulumi/tls (private key in OpenSSH
 * format, kept as a secret in state), as an EC2 key pair.
 */
export function clusterSshKey(
  settings: AwsSettings,
  name: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): ClusterSshKey {
  const opts = { parent };
  if (settings.userKey) {
    const keyPair = new ec2.KeyPair(`${name}-ssh`, { publicKey: settings.userKey.publicKey, tags }, opts);
    return { keyPair, privateKey: settings.userKey.privateKey };
  }
  const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, opts);
  const keyPair = new ec2.KeyPair(`${name}-ssh`, { publicKey: key.publicKeyOpenssh, tags }, opts);
  return { keyPair, privateKey: pulumi.secret(key.privateKeyOpenssh) };
}
