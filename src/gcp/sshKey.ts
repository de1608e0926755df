import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { GcpSettings } from "./settings";

/** The key pair the program logs in with. */
export interface SshKeyPair {
  /** OpenSSH public key line, placed in the machines' `ssh-keys` metadata. */
  publicKey: pulumi.Output<string>;
  /** Private key, always a Pulumi secret. */
  privateKey: pulumi.Output<string>;
}

/** The user's key pair, or a generated ED25519 pair (`@pulumi/tls`, the private key stays a secret in state). */
export function sshKeyPair(name: string, settings: GcpSettings, parent: pulumi.Resource): SshKeyPair {
  if (settings.sshPublicKey !== undefined && settings.sshPrivateKey !== undefined) {
    return { publicKey: pulumi.output(settings.sshPublicKey), privateKey: pulumi.secret(settings.sshPrivateKey) };
  }
  const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent });
  return {
    publicKey: key.publicKeyOpenssh.apply((line) => line.trim()),
    privateKey: pulumi.secret(key.privateKeyOpenssh),
  };
}
