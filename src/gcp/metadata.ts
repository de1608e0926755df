import * as pulumi from "@pulumi/pulumi";

/** Instance metadata key of the cloud-init user data. */
export const USER_DATA_KEY = "user-data";

/**
 * Instance metadata: the login key for `sshUser` (public, so fine in metadata), project-wide keys blocked,
 * OS Login off for this VM (it would ignore `ssh-keys`), and optionally the cloud-init user data. Never a
 * private key or a token: those reach the machines over SSH.
 */
export function instanceMetadata(sshUser: string, publicKey: pulumi.Input<string>, userData?: string): pulumi.Output<Record<string, string>> {
  return pulumi.output(publicKey).apply((key) => {
    const metadata: Record<string, string> = {
      "ssh-keys": `${sshUser}:${key}`,
      "block-project-ssh-keys": "TRUE",
      "enable-oslogin": "FALSE",
    };
    if (userData !== undefined) metadata[USER_DATA_KEY] = userData;
    return metadata;
  });
}

/** Shielded VM: secure boot, vTPM and integrity monitoring on. */
export const SHIELDED_VM = { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true };
