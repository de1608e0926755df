import { ClusterRecordState, planChangeProblems } from "../../../src/cluster/planChange";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const voters = (names: string[], suffix = "") => names.map((name, i) => ({ name, endpoint: `https://10.0.0.${10 + i}${suffix}:2379` }));

function state(extra: Partial<ClusterRecordState> = {}): ClusterRecordState {
  const controlPlanes = extra.controlPlanes ?? ["cp-0", "cp-1", "cp-2"];
  return { kubernetesVersion: "1.33.6", controlPlanes, voters: voters(controlPlanes), votersField: "controlPlaneHosts", ...extra };
}

describe("planChangeProblems: the next update against what the last one left", () => {
  test("first update, same plan, a patch or the next minor: nothing to refuse", () => {
    expect(planChangeProblems(undefined, state())).toEqual([]);
    expect(planChangeProblems({}, state())).toEqual([]);
    expect(planChangeProblems(state(), state())).toEqual([]);
    expect(planChangeProblems(state(), state({ kubernetesVersion: "1.33.9" }))).toEqual([]);
    expect(planChangeProblems(state(), state({ kubernetesVersion: "1.34.2" }))).toEqual([]);
  });

  test.each([
    ["1.35.0", "the cluster runs 1.33.6 (recorded by the last successful update); kubeadm upgrades one minor at a time: set kubernetesVersion to 1.34.x first, run the update, then 1.35.0."],
    ["1.32.9", 'the cluster runs 1.33.6 (recorded by the last successful update); 1.32.9 would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to "1.33.6".'],
    ["1.33.5", 'the cluster runs 1.33.6 (recorded by the last successful update); 1.33.5 would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to "1.33.6".'],
  ])("kubernetesVersion %s is refused", (version, reason) => {
    expect(planChangeProblems(state(), state({ kubernetesVersion: version }))).toEqual([{ property: "kubernetesVersion", reason }]);
  });

  test("a version change together with a control-plane change is refused: one kind of change per update", () => {
    const planned = state({ kubernetesVersion: "1.34.2", controlPlanes: ["cp-0", "cp-1", "cp-2", "cp-3", "cp-4"] });
    expect(planChangeProblems(state(), planned)).toEqual([
      {
        property: "kubernetesVersion",
        reason: 'changes from 1.33.6 to 1.34.2 in the same update as the control planes (+cp-3, +cp-4). Do one per update: keep kubernetesVersion "1.33.6" while the control planes change, then upgrade.',
      },
    ]);
  });

  test("voters: adding is fine; removing or replacing as many as the cluster survives is fine; more is refused, naming them", () => {
    const five = state({ controlPlanes: ["cp-0", "cp-1", "cp-2", "cp-3", "cp-4"] });
    expect(planChangeProblems(state(), five)).toEqual([]);
    // 5 -> 3 removes two of five voters: a cluster of five survives losing two.
    expect(planChangeProblems(five, state())).toEqual([]);
    // One of three replaced (its address not known yet at preview).
    const replaced = state();
    replaced.voters = replaced.voters.map((v) => (v.name === "cp-0" ? { ...v, endpoint: UNKNOWN } : v));
    expect(planChangeProblems(state(), replaced)).toEqual([]);
    // Two of three replaced (new addresses) at once.
    const twoReplaced = state();
    twoReplaced.voters = [...voters(["cp-0", "cp-1"], "0"), ...voters(["cp-2"]).map((v) => ({ ...v, endpoint: "https://10.0.0.12:2379" }))];
    expect(planChangeProblems(state(), twoReplaced)).toEqual([
      {
        property: "controlPlaneHosts",
        reason: "would remove or replace 2 of the 3 etcd voters at once (cp-0, cp-1); the cluster survives losing 1. Change at most 1 voter per update, e.g. cp-0 first.",
      },
    ]);
    // External etcd: the field named is the one that lists the tier.
    const tier = { ...state(), votersField: "etcdHosts" };
    expect(planChangeProblems(tier, { ...tier, voters: voters(["cp-0"]) })).toEqual([
      {
        property: "etcdHosts",
        reason: "would remove or replace 2 of the 3 etcd voters at once (cp-1, cp-2); the cluster survives losing 1. Change at most 1 voter per update, e.g. cp-1 first.",
      },
    ]);
  });

  test("a single voter cannot be replaced safely", () => {
    const one = state({ controlPlanes: ["cp-0"] });
    expect(planChangeProblems(one, { ...one, voters: [{ name: "cp-0", endpoint: UNKNOWN }] })).toEqual([
      {
        property: "controlPlaneHosts",
        reason: "would remove or replace 1 of the 1 etcd voters at once (cp-0); the cluster survives losing 0. Change at most 0 voters per update (with a single voter there is no quorum to keep: add voters first).",
      },
    ]);
  });
});
