import * as pulumi from "@pulumi/pulumi";
import type { types as commandTypes } from "@pulumi/command";

/**
 * A machine the bootstrap runs on: created by a cloud component (AWS, GCP) or given by the user (own hosts).
 * The cloud-neutral components reach it over SSH with `connection`.
 */
export interface ClusterHost {
  /** The plan's node name (e.g. `cp-0`, `etcd-1`), used for the Kubernetes node name and etcd member name. */
  name: string;
  /** The zone / failure domain the machine is in (must be one of the plan's zones). */
  zone: string;
  /** Address other cluster members use to reach this machine (private IP). Goes into certificates and etcd URLs. */
  privateAddress: pulumi.Input<string>;
  /** How the program reaches the machine over SSH (host, user, private key, optional bastion `proxy`). */
  connection: commandTypes.input.remote.ConnectionArgs;
  /** The cloud resource behind the machine, if any: commands are `deletedWith` it. */
  machine?: pulumi.Resource;
}
