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
  nodes?: { name: string; ready: boolean }[];
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
}
