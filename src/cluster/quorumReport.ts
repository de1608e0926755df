import type { QuorumPlan } from "../topology/types";

/** One etcd member as the quorum gate saw it. */
export interface ObservedMember {
  /** etcd member name (the plan's node name). */
  name: string;
  /** Member ID in hex. */
  id: string;
  /** Its client URL. */
  endpoint: string;
  /** Whether `etcdctl endpoint health` succeeded for it. */
  healthy: boolean;
  /** Whether it is still a raft learner (not yet a voter). */
  isLearner: boolean;
  /** Whether it was the raft leader when checked. */
  isLeader: boolean;
  /** The error etcdctl gave for it, if any. */
  error?: string;
}

/** A control-plane node as the gate saw it in the API. */
export interface ObservedNode {
  /** Node name. */
  name: string;
  /** Whether its `Ready` condition was true. */
  ready: boolean;
  /** The kubelet version it reported (`v1.34.2`). */
  kubeletVersion?: string;
}

/**
 * Who is active, by node name; everyone else is standby. `null`: nobody holds it. Observed for the operator, never
 * part of the gate's verdict.
 */
export interface ObservedLeaders {
  /** The etcd raft leader among the checked members (`null` when none of them, or more than one, claims it). */
  etcd: string | null;
  /**
   * Node holding the `kube-system/kube-controller-manager` Lease (`holderIdentity` is `<host name>_<uuid>`; a host
   * name the gate cannot map to a node name is reported as it is); `null` when the Lease is missing, released or
   * expired (`renewTime` + `leaseDurationSeconds` past, by the gate host's clock).
   * Absent when the gate did not ask the API (etcd-only gate, or `/readyz` not ok).
   */
  kubeControllerManager?: string | null;
  /** Holder of the `kube-system/kube-scheduler` Lease, like `kubeControllerManager`. */
  kubeScheduler?: string | null;
}

/** The quorum gate's JSON verdict (printed by the gate script on the host, parsed by the program). */
export interface GateObservation {
  /** True when every check the gate was asked to enforce passed. */
  ok: boolean;
  /** True when quorum holds but at least one member is unhealthy. */
  degraded: boolean;
  /** The member count the plan expects at this point of the bootstrap. */
  expectedMembers: number;
  /** Members seen, healthy or not. */
  members: ObservedMember[];
  /** Number of members that answered healthy. */
  healthyMembers: number;
  /** Distinct cluster IDs reported by the members (one when all agree). */
  clusterIds: string[];
  /** Distinct leader IDs reported by the members (one when all agree). */
  leaderIds: string[];
  /** Active alarms (e.g. NOSPACE). */
  alarms: string[];
  /** Body of `GET /readyz` through the load balancer, when the gate checked it. */
  apiServerReadyz?: string;
  /** Control-plane nodes and whether they were Ready, when the gate checked them. */
  nodes?: ObservedNode[];
  /** Who leads etcd and, on control-plane gates, kube-controller-manager and kube-scheduler (absent from older gates). */
  leaders?: ObservedLeaders;
  /** Why the gate failed or is degraded, one line per problem, naming the member. */
  problems: string[];
  /** How many attempts the gate made. */
  attempts: number;
}

/** The `quorum` stack output: what the plan promised and what the final gate observed. */
export interface QuorumReport {
  /** `stacked` or `external`. */
  etcdTopology: string;
  /** Planned quorum arithmetic and fault tolerance. */
  plan: QuorumPlan;
  /** The final gate's observation (absent in preview, where nothing has run yet). */
  observed?: GateObservation;
  /** On the cloud components: the zone each machine is really in, by node name, as the cloud reports it. */
  machineZones?: Record<string, string>;
}
