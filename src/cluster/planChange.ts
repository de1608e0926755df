/**
 * What the last successful update left (the cluster record's inputs) and the problems of going from it to a new plan
 * in one update. Pure and self-contained (no imports): the record's dynamic provider carries this code into the
 * engine's provider process, where it runs at preview.
 */

/** An etcd voter as the record keeps it. */
export interface RecordedVoter {
  /** Member (node) name. */
  name: string;
  /** Client URL; it changes, or is unknown at preview, when the machine is replaced. */
  endpoint: string;
}

/** The cluster as an update leaves it. */
export interface ClusterRecordState {
  /** `MAJOR.MINOR.PATCH` the control planes run. */
  kubernetesVersion: string;
  /** Control-plane names, in plan order. */
  controlPlanes: string[];
  /** The etcd voters (the control planes with stacked etcd, the etcd tier otherwise). */
  voters: RecordedVoter[];
  /** The argument that lists the voters, for messages (`controlPlaneHosts`, `etcdHosts`, ...). */
  votersField: string;
}

/** One refused change: the argument to fix and why. */
export interface PlanChangeProblem {
  property: string;
  reason: string;
}

/** How the engine shows a value that is not known yet at preview (a replaced machine's address). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * The problems of changing the cluster from `recorded` (undefined on the first update) to `planned` in one update:
 * - a `kubernetesVersion` lower than the recorded one (kubeadm cannot downgrade), or more than one minor above it;
 * - a version change together with a change of the control planes (one kind of change per update);
 * - more voters removed or replaced (a changed or not yet known endpoint) than the recorded cluster can lose.
 */
export function planChangeProblems(recorded: Partial<ClusterRecordState> | undefined, planned: ClusterRecordState): PlanChangeProblem[] {
  if (recorded === undefined || typeof recorded.kubernetesVersion !== "string") return [];
  const problems: PlanChangeProblem[] = [];
  const parse = (v: string) => v.replace(/^v/, "").split(".").map(Number);
  const was = recorded.kubernetesVersion;
  const want = planned.kubernetesVersion;
  const [, wasMinor, wasPatch] = parse(was);
  const [, wantMinor, wantPatch] = parse(want);
  const versionChanged = was !== want;
  if (wantMinor < wasMinor || (wantMinor === wasMinor && wantPatch < wasPatch)) {
    problems.push({
      property: "kubernetesVersion",
      reason: `the cluster runs ${was} (recorded by the last successful update); ${want} would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to "${was}".`,
    });
  } else if (wantMinor > wasMinor + 1) {
    problems.push({
      property: "kubernetesVersion",
      reason: `the cluster runs ${was} (recorded by the last successful update); kubeadm upgrades one minor at a time: set kubernetesVersion to 1.${wasMinor + 1}.x first, run the update, then ${want}.`,
    });
  }
  const before = recorded.controlPlanes ?? [];
  const added = planned.controlPlanes.filter((n) => !before.includes(n));
  const removed = before.filter((n) => !planned.controlPlanes.includes(n));
  if (versionChanged && (added.length > 0 || removed.length > 0)) {
    problems.push({
      property: "kubernetesVersion",
      reason:
        `changes from ${was} to ${want} in the same update as the control planes (${[...added.map((n) => `+${n}`), ...removed.map((n) => `-${n}`)].join(", ")}). ` +
        `Do one per update: keep kubernetesVersion "${was}" while the control planes change, then upgrade.`,
    });
  }
  const oldVoters = recorded.voters ?? [];
  const lost = oldVoters.filter((v) => {
    const now = planned.voters.find((p) => p.name === v.name);
    return now === undefined || now.endpoint === UNKNOWN || now.endpoint !== v.endpoint;
  });
  const tolerated = Math.floor((oldVoters.length - 1) / 2);
  if (lost.length > tolerated) {
    problems.push({
      property: planned.votersField,
      reason:
        `would remove or replace ${lost.length} of the ${oldVoters.length} etcd voters at once (${lost.map((v) => v.name).join(", ")}); ` +
        `the cluster survives losing ${tolerated}. Change at most ${tolerated} voter${tolerated === 1 ? "" : "s"} per update` +
        (tolerated === 0 ? " (with a single voter there is no quorum to keep: add voters first)" : `, e.g. ${lost.slice(0, Math.max(tolerated, 1)).map((v) => v.name).join(", ")} first`) +
        ".",
    });
  }
  return problems;
}
