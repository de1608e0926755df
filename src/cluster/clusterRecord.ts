import * as pulumi from "@pulumi/pulumi";
import { ClusterRecordState, planChangeProblems, RecordedVoter } from "./planChange";

/**
 * The check as a function value. The provider runs in the engine's provider process from its serialized closure; it
 * must capture the check itself, not the module object an `import` compiles to: a module inside node_modules is
 * serialized as a `require` of its file, which the package's `exports` do not allow (and a user's bundle may not
 * have).
 */
const problemsOf: typeof planChangeProblems = planChangeProblems;

/**
 * The record's provider. `check` runs in the preview with the recorded inputs (`olds`, those of the last update that
 * completed) and refuses a plan {@link planChangeProblems} finds unsafe, naming the argument; nothing is created or
 * changed before that. The record holds no secret.
 */
const clusterRecordProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<ClusterRecordState>, news: ClusterRecordState) {
    const recorded = olds && typeof olds.kubernetesVersion === "string" ? olds : undefined;
    return { inputs: news, failures: problemsOf(recorded, news) };
  },
  async diff(_id: string, olds: ClusterRecordState, news: ClusterRecordState) {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  },
  async create(inputs: ClusterRecordState) {
    return { id: "cluster-record", outs: inputs };
  },
  async update(_id: string, _olds: ClusterRecordState, news: ClusterRecordState) {
    return { outs: news };
  },
};

/** Inputs of {@link ClusterRecord}. */
export interface ClusterRecordArgs {
  /** The Kubernetes version the update brought the control planes to. */
  kubernetesVersion: pulumi.Input<string>;
  /** Control-plane names, in plan order. */
  controlPlanes: pulumi.Input<string[]>;
  /** The etcd voters with their client URLs (a changed URL is a replaced machine). */
  voters: pulumi.Input<RecordedVoter[]>;
  /** The argument that lists the voters, named in refusals. */
  votersField: pulumi.Input<string>;
}

/**
 * What the last successful update left: the Kubernetes version, the control planes and the etcd voters. Registered
 * after the final gate, so it changes only when an update completed; its provider's preview check compares the new
 * plan with it (downgrades, minor skips, a version change together with control-plane changes, more voters removed
 * or replaced at once than the cluster can lose).
 */
export class ClusterRecord extends pulumi.dynamic.Resource {
  constructor(name: string, args: ClusterRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(clusterRecordProvider, name, args, opts);
  }
}
