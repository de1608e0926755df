import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../cluster/types";
import type { BastionSpec, HostSpec } from "./args";

/** The address cluster members reach a machine at: `privateAddress`, else `address`. */
export function clusterAddressOf(host: HostSpec): pulumi.Input<string> {
  return host.privateAddress ?? host.address;
}

/** A machine of the user as the cloud-neutral components see it (private key and bastion key as secrets). */
export function clusterHostOf(host: HostSpec, bastion: BastionSpec | undefined): ClusterHost {
  return {
    name: host.name,
    zone: host.failureDomain,
    privateAddress: clusterAddressOf(host),
    connection: {
      host: host.address,
      user: host.user,
      port: host.port ?? 22,
      privateKey: pulumi.secret(host.privateKey),
      proxy: bastion
        ? { host: bastion.host, user: bastion.user, port: bastion.port ?? 22, privateKey: pulumi.secret(bastion.privateKey) }
        : undefined,
    },
  };
}

/** The same machine, its SSH address resolved only after `after` finished: every step on it then waits for that. */
export function hostAfter(host: ClusterHost, address: pulumi.Input<string>, after: pulumi.Output<unknown>): ClusterHost {
  return { ...host, connection: { ...host.connection, host: pulumi.all([address, after]).apply(([resolved]) => resolved) } };
}
