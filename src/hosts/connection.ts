import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../cluster/types";
import type { BastionSpec, HostSpec } from "./args";

/** A machine of the user as the cloud-neutral components see it (private key and bastion key as secrets). */
export function clusterHostOf(host: HostSpec, bastion: BastionSpec | undefined): ClusterHost {
  return {
    name: host.name,
    zone: host.failureDomain,
    privateAddress: host.privateAddress ?? host.address,
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
export function hostAfter(host: ClusterHost, address: string, after: pulumi.Output<unknown>): ClusterHost {
  return { ...host, connection: { ...host.connection, host: after.apply(() => address) } };
}
