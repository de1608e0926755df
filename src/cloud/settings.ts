import type { CertificateRenewalArgs } from "../cluster/certificateRenewal";
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterSettings, EtcdTopology, TopologyPlan } from "../topology/types";
import type { ApiLoadBalancerScheme } from "./args";
import type { LateCheck } from "../cluster/lateInputs";

/** The validated `CloudControlPlaneArgs` with defaults filled; each cloud's settings extend it. */
export interface CloudSettings {
  /** Cluster-wide settings (name, version, pod and service subnets). */
  cluster: ClusterSettings;
  /** Zones given by the user; undefined means "the first `zoneCount` of the region". */
  zones?: string[];
  /** Number of zones the cluster spans. */
  zoneCount: number;
  /** The plan, made with the given zones or with placeholder zone names (same shape, same node names). */
  plan: TopologyPlan;
  /** Number of control planes. */
  controlPlaneCount: number;
  /** Where etcd runs. */
  etcdTopology: EtcdTopology;
  /** External etcd members, as given (undefined: the planner's default). */
  etcdMemberCount?: number;
  /** Whether losing one zone must keep quorum. */
  tolerateZoneFailure: boolean;
  /** Scheme of the API load balancer. */
  apiLoadBalancerScheme: ApiLoadBalancerScheme;
  /** CIDRs allowed to the API on the load balancer (outputs checked by `lateChecks`). */
  apiAllowedCidrs: pulumi.Input<string>[];
  /** CIDRs allowed to SSH (to the bastion, or to the machines without one; outputs checked by `lateChecks`). */
  adminCidrs: pulumi.Input<string>[];
  /** Whether a bastion is created. */
  createBastion: boolean;
  /** Image given by the user; undefined means the cloud's Ubuntu LTS default. */
  imageId?: pulumi.Input<string>;
  /** SSH login user. */
  sshUser: string;
  /** Whether every machine follows image/user-data changes at once. */
  replaceOnImageChange: boolean;
  /** Nodes that follow image/user-data changes on this update. */
  rollNodes: string[];
  /** CNI manifest URL (undefined: the bootstrap's default). */
  cniManifestUrl?: string;
  /** Extra API server certificate names (outputs checked by `lateChecks`). */
  extraCertSans: pulumi.Input<string>[];
  /** Quorum gate timeout (undefined: the bootstrap's default). */
  gateTimeoutSeconds?: number;
  /** Host readiness timeout (undefined: the bootstrap's default). */
  hostReadyTimeoutMinutes?: number;
  /** Validity of the workers' bootstrap token after each update, in hours (undefined: the bootstrap's default, 24). */
  workerJoinTokenTtlHours?: number;
  /** Whether the certificate expiry report runs (undefined: no). */
  reportCertificateExpiry?: boolean;
  /** kubeadm's leaf certificate validity (undefined: kubeadm's default). */
  certificateValidityPeriod?: string;
  /** Renewal by `pulumi up` (undefined: none). */
  certificateRenewal?: CertificateRenewalArgs;
  /** Checks of arguments given as outputs, run once they resolve and before any child is created. */
  lateChecks: LateCheck[];
}
