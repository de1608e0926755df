import { parseGateObservation } from "../../../src/cluster/observation";
import type { GateObservation } from "../../../src/cluster/quorumReport";

const base: GateObservation = {
  ok: true,
  degraded: false,
  expectedMembers: 3,
  members: [
    { name: "cp-0", id: "8e9e05c52164694d", endpoint: "https://10.0.1.10:2379", healthy: true, isLearner: false, isLeader: false },
    { name: "cp-1", id: "91bc3c398fb3c146", endpoint: "https://10.0.2.10:2379", healthy: true, isLearner: false, isLeader: true },
    { name: "cp-2", id: "fd422379fda50e48", endpoint: "https://10.0.3.10:2379", healthy: true, isLearner: false, isLeader: false },
  ],
  healthyMembers: 3,
  clusterIds: ["14841639068965178418"],
  leaderIds: ["10501334649042878790"],
  alarms: [],
  problems: [],
  attempts: 1,
  apiServerReadyz: "ok",
  nodes: [
    { name: "cp-0", ready: true },
    { name: "cp-1", ready: true },
    { name: "cp-2", ready: true },
  ],
};

/** The gate's stdout: log lines, then the observation as the last JSON line. */
const stdout = (observation: object): string => `waiting for etcd\n${JSON.stringify(observation)}\n`;

describe("parseGateObservation: leaders", () => {
  test.each<[string, unknown, GateObservation["leaders"]]>([
    ["all held", { etcd: "cp-1", kubeControllerManager: "cp-0", kubeScheduler: "cp-2" }, { etcd: "cp-1", kubeControllerManager: "cp-0", kubeScheduler: "cp-2" }],
    // The gate reports an expired or absent Lease as no holder: null, kept as such.
    ["scheduler Lease expired", { etcd: "cp-1", kubeControllerManager: "cp-0", kubeScheduler: null }, { etcd: "cp-1", kubeControllerManager: "cp-0", kubeScheduler: null }],
    ["controller-manager Lease absent", { etcd: "cp-1", kubeControllerManager: null, kubeScheduler: "cp-0" }, { etcd: "cp-1", kubeControllerManager: null, kubeScheduler: "cp-0" }],
    ["no holder anywhere (election in progress)", { etcd: null, kubeControllerManager: null, kubeScheduler: null }, { etcd: null, kubeControllerManager: null, kubeScheduler: null }],
    ["etcd-only gate (Leases not observed)", { etcd: "etcd-2" }, { etcd: "etcd-2" }],
    ["malformed entries are dropped, etcd falls back to null", { etcd: 7, kubeControllerManager: ["cp-0"], kubeScheduler: "" }, { etcd: null }],
    ["unknown keys are dropped", { etcd: "cp-1", cloudControllerManager: "cp-0" }, { etcd: "cp-1" }],
    ["an older gate without the block", undefined, undefined],
    ["a block that is not an object", "cp-1", undefined],
    ["a block that is an array", ["cp-1"], undefined],
  ])("%s", (_case, leaders, expected) => {
    const observed = parseGateObservation(stdout(leaders === undefined ? base : { ...base, leaders }));
    expect(observed).toBeDefined();
    expect(observed!.leaders).toEqual(expected);
    expect("leaders" in observed!).toBe(expected !== undefined);
    // Everything else passes through untouched.
    const { leaders: _ignored, ...rest } = observed!;
    expect(rest).toEqual(base);
  });
});

describe("parseGateObservation: which line", () => {
  test.each<[string, string | undefined, boolean]>([
    ["the last JSON line wins", `${JSON.stringify({ ...base, ok: false })}\n${JSON.stringify(base)}\n`, true],
    ["trailing text after the observation is skipped", `${JSON.stringify(base)}\nquorum gate failed after 3 attempt(s)\n`, true],
    ["no output", "", false],
    ["undefined stdout (preview)", undefined, false],
    ["a JSON line without ok/members", '{"hello": "world"}\n', false],
    ["a broken JSON line", "{not json\n", false],
  ])("%s", (_case, out, found) => {
    expect(parseGateObservation(out) !== undefined).toBe(found);
  });
});
