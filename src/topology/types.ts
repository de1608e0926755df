/** Where the etcd voters live: on the control-plane nodes (`stacked`) or on nodes of their own (`external`). */
export type EtcdTopology = "stacked" | "external";

/** The role a planned machine plays. */
export type NodeRole = "control-plane" | "etcd";

/** Plain arguments of {@link planTopology}: no Pulumi inputs, so the plan is known before anything is created. */
export interface TopologyArgs {
  /** Availability zones / failure domains, in order of preference. Machines are spread round-robin over them. */
  zones: string[];
  /** Number of control-plane machines. With stacked etcd these are the etcd voters and must be odd. */
  controlPlaneCount: number;
  /** Where etcd runs: `"stacked"` on the control planes, `"external"` on machines of its own. */
  etcdTopology: EtcdTopology;
  /** Number of external etcd members (odd). Only for `etcdTopology: "external"`. @default 3 */
  etcdMemberCount?: number;
  /**
   * Require the plan to keep etcd quorum when any one zone is lost. With `false` a plan that cannot
   * (a single-zone or single-node dev cluster) is accepted with a warning. @default true
   */
  tolerateZoneFailure?: boolean;
}

/** One machine of the plan. */
export interface PlannedNode {
  /** Stable name inside the cluster, e.g. `cp-0`, `etcd-2`; cloud components prefix it with the component name. */
  name: string;
  /** What the machine runs. */
  role: NodeRole;
  /** The zone / failure domain it is placed in. */
  zone: string;
  /** Position among the machines of its role, from 0. */
  index: number;
  /** Whether it is an etcd voter (control planes with stacked etcd, etcd members with external etcd). */
  etcdVoter: boolean;
}

/** Quorum arithmetic of a plan. */
export interface QuorumPlan {
  /** Number of etcd voting members. */
  voters: number;
  /** Votes needed for a quorum: floor(voters / 2) + 1. */
  quorumSize: number;
  /** How many voters may fail at once with the cluster still writable: voters - quorumSize. */
  nodeFailuresTolerated: number;
  /** The largest k such that losing ANY k zones still leaves a quorum of voters. */
  zoneFailuresTolerated: number;
  /** Number of etcd voters placed in each zone. */
  votersPerZone: Record<string, number>;
}

/** The validated plan: every component computes it before creating any child. */
export interface TopologyPlan {
  /** The etcd topology planned. */
  etcdTopology: EtcdTopology;
  /** The zones given, in order. */
  zones: string[];
  /** Every machine to create, control planes first, then etcd members. */
  nodes: PlannedNode[];
  /** Quorum and fault tolerance. */
  quorum: QuorumPlan;
  /** Things that are allowed but worth knowing (e.g. zone failure not tolerated, uneven spread). */
  warnings: string[];
}

/** Plain cluster-wide settings checked by {@link validateClusterSettings} before anything is created. */
export interface ClusterSettingsArgs {
  /**
   * Name of the cluster: a DNS-1123 label (lowercase letters, digits and dashes, starting with a letter,
   * ending with a letter or digit), at most 40 characters to leave room for suffixes.
   */
  clusterName: string;
  /** Kubernetes version `MAJOR.MINOR.PATCH` (a leading `v` is dropped), from 1.31.0 up to but not including 1.36.0. @default "1.34.2" */
  kubernetesVersion?: string;
  /** IPv4 range for pod addresses, prefix /8 to /24. @default "10.244.0.0/16" */
  podSubnet?: string;
  /** IPv4 range for service addresses, prefix /12 to /24. @default "10.96.0.0/12" */
  serviceSubnet?: string;
  /** IPv4 ranges the machines live in; none may overlap the pod or service subnet. @default [] */
  nodeSubnets?: string[];
  /** TCP port of the Kubernetes API server and its load balancer. @default 6443 */
  apiServerPort?: number;
}

/** {@link ClusterSettingsArgs} validated, defaults filled and normalised, plus derived values. */
export interface ClusterSettings {
  /** Name of the cluster. */
  clusterName: string;
  /** Kubernetes version `MAJOR.MINOR.PATCH` without a leading `v`. */
  kubernetesVersion: string;
  /** Kubernetes minor version `MAJOR.MINOR`, e.g. `1.34` (for package repositories). */
  kubernetesMinor: string;
  /** Pod IPv4 range in canonical form. */
  podSubnet: string;
  /** Service IPv4 range in canonical form. */
  serviceSubnet: string;
  /** Node IPv4 ranges in canonical form. */
  nodeSubnets: string[];
  /** TCP port of the Kubernetes API server. */
  apiServerPort: number;
  /** The `kubernetes` service's cluster IP: the first usable address of the service subnet, e.g. `10.96.0.1`. */
  kubernetesApiServiceIp: string;
}
