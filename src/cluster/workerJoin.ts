import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { BOOTSTRAP_TOKEN_TTL_HOURS, workerTokenRefreshScript } from "../bootstrap/scripts/bootstrapToken";
import { createBootstrapToken } from "../pki/bootstrapToken";
import { hostCommand } from "./hostCommand";
import type { ClusterHost } from "./types";

/** How long the workers' bootstrap token stays valid after each update by default (kubeadm's default token lifetime). */
export const WORKER_JOIN_TOKEN_TTL_HOURS = BOOTSTRAP_TOKEN_TTL_HOURS;

/**
 * What a user needs to attach worker nodes they manage themselves (`kubeadm join` on their own machines). Every
 * top-level component (`HaControlPlane` on AWS and GCP, `HostsControlPlane`) and `KubeadmControlPlane` has these.
 */
export interface WorkerJoinOutputs {
  /** PEM of the cluster CA certificate (public): what a kubelet trusts the API server by. */
  caCertPem: pulumi.Output<string>;
  /** `sha256:<hex>` of the cluster CA's public key (SubjectPublicKeyInfo): `--discovery-token-ca-cert-hash`. */
  caCertHash: pulumi.Output<string>;
  /**
   * Bootstrap token for workers (secret), `[a-z0-9]{6}.[a-z0-9]{16}`, distinct from the control planes' join token.
   * Every `pulumi up` makes it valid for another `workerJoinTokenTtlHours` (24) hours (groups
   * `system:bootstrappers:kubeadm:default-node-token`, usages signing and authentication); known once it is in place.
   */
  workerJoinToken: pulumi.Output<string>;
  /** `kubeadm join <endpoint>:<port> --token <token> --discovery-token-ca-cert-hash sha256:<hex>` (secret), run as root on a worker. */
  workerJoinCommand: pulumi.Output<string>;
}

/** Inputs of {@link workerJoinSteps}. */
export interface WorkerJoinStepArgs {
  /** The first control plane: it holds `/etc/kubernetes/admin.conf`. */
  host: ClusterHost;
  /** The load-balanced API address (DNS name or IP, no port). */
  endpoint: pulumi.Output<string>;
  /** API server port on the load balancer. */
  port: number;
  /** PEM of the cluster CA certificate. */
  caCertPem: pulumi.Output<string>;
  /** `sha256:<hex>` of the cluster CA. */
  caCertHash: pulumi.Output<string>;
  /** Steps after which the API answers: `kubeadm init` (or, during a restore, the restore's final gate). */
  dependsOn: pulumi.Resource[];
  /** Hours the token stays valid after each update. @default 24 ({@link WORKER_JOIN_TOKEN_TTL_HOURS}) */
  ttlHours?: number;
  /** The update's time, whose change each update re-runs the token step. @default the current time (ISO 8601) */
  refreshedAt?: string;
}

/** `host:port` as kubeadm's join takes it (IPv6 addresses in brackets). */
export function joinAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The command that joins a worker: `kubeadm join <host:port> --token <token> --discovery-token-ca-cert-hash <hash>`. */
export function kubeadmWorkerJoinCommand(address: string, token: string, caCertHash: string): string {
  return `kubeadm join ${address} --token ${token} --discovery-token-ca-cert-hash ${caCertHash}`;
}

/**
 * The workers' join material: a bootstrap token of their own (@pulumi/random, secret), placed into the cluster by a
 * step on the first control plane (token on standard input only) that every update re-runs, so the token is valid
 * for another `ttlHours` after each `pulumi up`; the token and join command are known once that step has run.
 */
export function workerJoinSteps(name: string, args: WorkerJoinStepArgs, parent: pulumi.Resource): WorkerJoinOutputs & { tokenStep: remote.Command } {
  const token = createBootstrapToken(`${name}-worker-token`, parent);
  const tokenStep = hostCommand(
    `${name}-worker-token`,
    args.host,
    {
      script: workerTokenRefreshScript(args.ttlHours ?? WORKER_JOIN_TOKEN_TTL_HOURS),
      stdin: token.apply((value) => `${value}\n`),
      dependsOn: args.dependsOn,
      timeoutMinutes: 5,
      // A new value at every update replaces, and so re-runs, the step: the token is valid TTL hours from now.
      triggers: [args.refreshedAt ?? new Date().toISOString()],
    },
    parent,
  );
  // Known once the token is in the cluster: nobody gets a join command the API would refuse.
  const placedToken = pulumi.secret(pulumi.all([token, tokenStep.stdout]).apply(([value]) => value));
  return {
    caCertPem: args.caCertPem,
    caCertHash: args.caCertHash,
    workerJoinToken: placedToken,
    workerJoinCommand: pulumi.secret(
      pulumi.all([args.endpoint, placedToken, args.caCertHash]).apply(([host, value, hash]) => kubeadmWorkerJoinCommand(joinAddress(host, args.port), value, hash)),
    ),
    tokenStep,
  };
}

/** The four join outputs of a component that has them, as another component re-exports them (secrets stay secret). */
export function workerJoinOutputsOf(source: WorkerJoinOutputs): WorkerJoinOutputs {
  return {
    caCertPem: source.caCertPem,
    caCertHash: source.caCertHash,
    workerJoinToken: pulumi.secret(source.workerJoinToken),
    workerJoinCommand: pulumi.secret(source.workerJoinCommand),
  };
}
