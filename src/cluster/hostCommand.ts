import * as pulumi from "@pulumi/pulumi";
import * as remote from "@pulumi/command/remote";
import type { types as commandTypes } from "@pulumi/command";
import { asRootCommand } from "../bootstrap/scripts/shell";
import type { ClusterHost } from "./types";

type Connection = commandTypes.input.remote.ConnectionArgs;

/** The whole connection (private keys, passwords, the bastion's too) as a secret, whatever the caller passed. */
function secretConnection(connection: Connection): pulumi.Output<Connection> {
  return pulumi.secret(pulumi.output(connection)) as pulumi.Output<Connection>;
}

/** Options of {@link hostCommand}. */
export interface HostCommandOptions {
  /** The step's bash script (no secrets: it is the command text). */
  script: pulumi.Input<string>;
  /** Secret material for the step, on standard input. */
  stdin?: pulumi.Input<string>;
  /** The step prints secrets (a kubeconfig): keep stdout out of logs and mark it secret. */
  secretStdout?: boolean;
  /** Retry dialling until the machine answers (the first step on a new machine). */
  waitForSsh?: boolean;
  /** Steps that must finish first. */
  dependsOn?: pulumi.Resource[];
  /** Bound on create/update, in minutes. */
  timeoutMinutes: number;
  /** Script run when the step is deleted. @default none */
  deleteScript?: string;
  /** Values whose change replaces the step, so that it runs again. @default none */
  triggers?: pulumi.Input<unknown>[];
}

/**
 * One bootstrap step on one machine: a `remote.Command` that runs the script as root over SSH, deleted with
 * the machine (so a delete never dials a machine that is gone), with secrets only on standard input.
 */
export function hostCommand(name: string, host: ClusterHost, options: HostCommandOptions, parent: pulumi.Resource): remote.Command {
  const connection = secretConnection(options.waitForSsh ? { ...host.connection, dialErrorLimit: -1 } : host.connection);
  return new remote.Command(
    name,
    {
      connection,
      create: pulumi.output(options.script).apply(asRootCommand),
      delete: options.deleteScript ? asRootCommand(options.deleteScript) : undefined,
      stdin: options.stdin,
      triggers: options.triggers,
      logging: options.secretStdout ? "stderr" : "stdoutAndStderr",
    },
    {
      parent,
      dependsOn: options.dependsOn,
      deletedWith: host.machine,
      additionalSecretOutputs: options.secretStdout ? ["stdout"] : undefined,
      customTimeouts: { create: `${options.timeoutMinutes}m`, update: `${options.timeoutMinutes}m` },
    },
  );
}
