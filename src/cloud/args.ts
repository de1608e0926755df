import type * as pulumi from "@pulumi/pulumi";
import type { CertificateRenewalArgs } from "../cluster/certificateRenewal";
import type { EtcdTopology } from "../topology/types";

/** Scheme of the API load balancer: reachable from the internet, or only from inside the cloud network. */
export type ApiLoadBalancerScheme = "internal" | "internet-facing";

/**
 * The arguments every cloud's `HaControlPlane` shares, with the same names, defaults and checks on AWS and on
 * Google Cloud. Each cloud's `HaControlPlaneArgs` extends it with its network, machine and tagging settings.
 */
export interface CloudControlPlaneArgs {
  /** Cluster name: a DNS label of at most 40 characters. Used in the names (and tags or labels) of every resource. */
  clusterName: string;

  // --- Topology ---------------------------------------------------------------------------------------------
  /**
   * Zones to spread the machines over, in order. @default the first `zoneCount` zones of the region (each
   * cloud's arguments say how it picks them)
   */
  zones?: string[];
  /** How many zones to take from the region when `zones` is not given. Refused together with `zones`. @default 3 */
  zoneCount?: number;
  /** Number of control-plane machines; with stacked etcd they are the etcd voters and must be odd. @default 3 */
  controlPlaneCount?: number;
  /** `"stacked"`: etcd on the control planes; `"external"`: etcd members on machines of their own. @default "stacked" */
  etcdTopology?: EtcdTopology;
  /** Number of external etcd members (odd). Only with `etcdTopology: "external"`. @default 3 */
  etcdMemberCount?: number;
  /** Require that losing any one zone keeps etcd quorum; `false` accepts a single-zone dev cluster. @default true */
  tolerateZoneFailure?: boolean;

  // --- Access -----------------------------------------------------------------------------------------------
  /**
   * Scheme of the API load balancer: `"internal"` (an address inside the network) or `"internet-facing"` (a
   * public address). @default "internal"
   */
  apiLoadBalancerScheme?: ApiLoadBalancerScheme;
  /**
   * CIDRs allowed to reach the Kubernetes API (TCP 6443) through the load balancer, besides the control planes
   * themselves (and, on Google Cloud, the Cloud NAT address and Google's health checkers). `"0.0.0.0/0"` is
   * accepted here only: the API is the one port that may be public. Add your workers' ranges here. Entries may be
   * outputs (e.g. of a `StackReference`): they are then checked once they resolve, before any machine exists.
   * @default []
   */
  apiAllowedCidrs?: pulumi.Input<string>[];
  /**
   * CIDRs allowed to SSH to the bastion (or, without a bastion, to the machines). The program itself connects
   * from here, so it must include the address Pulumi runs from (e.g. `"203.0.113.7/32"`). `/0` is refused.
   * Entries may be outputs (e.g. of a `StackReference`): they are then checked once they resolve, before any
   * machine exists.
   */
  adminCidrs: pulumi.Input<string>[];
  /** Create a small bastion machine with a public address and reach the private machines through it. @default true */
  createBastion?: boolean;

  // --- Machines ---------------------------------------------------------------------------------------------
  /** SSH login user of the image (on Google Cloud the guest agent creates it from the `ssh-keys` metadata). @default "ubuntu" */
  sshUser?: string;
  /**
   * OpenSSH public key line of your own key pair; give `sshPrivateKey` with it. May be an output (checked once
   * it resolves, before any machine exists).
   * @default a generated ED25519 key pair (private key kept as a Pulumi secret)
   */
  sshPublicKey?: pulumi.Input<string>;
  /** Private key (PEM or OpenSSH) matching `sshPublicKey`; stored as a secret. @default the generated key */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * Replace every machine as soon as the image or the user data changes (on Google Cloud, also apply machine
   * type changes to all at once). Pulumi does this in parallel, which loses etcd quorum: only for throwaway
   * clusters. Prefer `rollNodes`. @default false
   */
  replaceOnImageChange?: boolean;
  /**
   * Plan node names (`cp-0`, `etcd-1`, ...) whose image and user-data changes (on Google Cloud, also machine
   * type changes) are applied on this update, replacing those machines. Roll one node per `pulumi up` (at most
   * one name), waiting for the quorum report to show a healthy cluster before the next. @default []
   */
  rollNodes?: string[];

  // --- Kubernetes (passed to the cloud-neutral components) -------------------------------------------------
  /** Kubernetes version `MAJOR.MINOR.PATCH`, 1.31 to 1.35. @default "1.34.2" */
  kubernetesVersion?: string;
  /** Pod network CIDR; must not overlap the machines' network. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** Service network CIDR; must not overlap the machines' network. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** CNI manifest applied after `kubeadm init`; `""` skips it. @default Calico v3.31.6 (its manifests/calico.yaml) */
  cniManifestUrl?: string;
  /**
   * Extra subject alternative names (DNS names or IP addresses) for the API server certificate (e.g. a DNS name
   * of the load balancer). Entries may be outputs: they are then checked once they resolve. @default []
   */
  extraCertSans?: pulumi.Input<string>[];
  /** How long each quorum gate keeps retrying before it fails, in seconds. @default 600 */
  gateTimeoutSeconds?: number;
  /** How long to wait for SSH and cloud-init on each machine, in minutes. @default 20 */
  hostReadyTimeoutMinutes?: number;
  /**
   * Hours the workers' bootstrap token (`workerJoinToken`, `workerJoinCommand`) stays valid after each update, 1 to 8760:
   * longer for workers that join on their own later (an autoscaling group). Every `pulumi up` makes it valid again.
   * @default 24
   */
  workerJoinTokenTtlHours?: number;
  /** Report when each control plane's certificates expire (output `certificateExpiry`, a warning under 30 days left). @default false */
  reportCertificateExpiry?: boolean;
  /** Validity of the certificates kubeadm signs, whole hours. See `KubeadmControlPlaneArgs.certificateValidityPeriod`. @default undefined (kubeadm's "8760h") */
  certificateValidityPeriod?: string;
  /** Renew kubeadm's certificates from `pulumi up` when due. See `KubeadmControlPlaneArgs.certificateRenewal`. @default undefined (renewed only by upgrades) */
  certificateRenewal?: CertificateRenewalArgs;
}
