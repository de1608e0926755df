// One real bring-up of the external etcd tier (EtcdCluster) on prepared test hosts, under the executing mocks
// (remote commands run over real SSH, real keys and certificates):
//   node child.js KEY_FILE ADDRESS...
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHost } from "../../src/cluster/types";
import { setExecutingMocks } from "../../test/integration/harness/executingMocks";
import { emitResult } from "../support/childProcess";
import { exitOnUnhandledRejection, settle } from "../support/outputs";

/** One wave of remote steps as it ran. */
export interface RanWave {
  wave: number;
  steps: string[];
  /** ms from the first step of the wave starting to its last step ending. */
  spanMs: number;
}

/** Figures of one bring-up. */
export interface BringUpResult {
  /** ms from the first remote command starting to the quorum gate passing. */
  wallMs: number;
  /** ms from constructing the component to the gate passing (adds key and certificate generation). */
  programMs: number;
  /** Sequential remote-step waves (from the recorded start/end times). */
  criticalPath: number;
  /** Remote commands in all. */
  commands: number;
  waves: RanWave[];
  /** Members the gate saw healthy. */
  healthyMembers: number;
}

const NAME = "bench";
const ZONES = ["zone-a", "zone-b", "zone-c"];

async function main(): Promise<void> {
  exitOnUnhandledRejection();
  const [keyFile, ...addresses] = process.argv.slice(2);
  if (!keyFile || addresses.length === 0) throw new Error("usage: child.js KEY_FILE ADDRESS...");
  const privateKey = readFileSync(keyFile, "utf8");
  const mocks = await setExecutingMocks({ maxDialWaitMs: 60_000 }, "pulumi-k8s-ha-bench", "bench");
  const { EtcdCluster }: typeof import("../../src/cluster/etcdCluster") = require("../../src/cluster/etcdCluster");
  const { stepWaves }: typeof import("../../src/cli/report") = require("../../src/cli/report");
  const hosts: ClusterHost[] = addresses.map((address, i) => ({
    name: `etcd-${i}`,
    zone: ZONES[i % ZONES.length],
    privateAddress: address,
    connection: { host: address, user: "root", privateKey: pulumi.secret(privateKey) },
  }));
  const started = Date.now();
  const cluster = new EtcdCluster(NAME, { clusterName: NAME, hosts, zones: ZONES, gateTimeoutSeconds: 120 });
  const quorum = await settle(cluster.quorum, 240_000);
  await pulumi.runtime.disconnect();
  const commands = mocks.records.filter((r) => r.type === "command:remote:Command");
  const gate = mocks.record(`${NAME}-gate`);
  const firstStart = Math.min(...commands.map((r) => r.startedAtMs));
  const planned = commands.map((r) => ({ type: r.type, name: r.name, startedMs: r.startedAtMs - firstStart, finishedMs: (r.endedAtMs ?? r.startedAtMs) - firstStart }));
  const waves = stepWaves(planned, NAME).map(({ wave, steps }) => {
    const members = planned.filter((p) => steps.includes(p.name.slice(NAME.length + 1)));
    return { wave, steps, spanMs: Math.max(...members.map((p) => p.finishedMs)) - Math.min(...members.map((p) => p.startedMs)) };
  });
  const observed = quorum.observed;
  if (!observed?.ok) throw new Error(`the gate passed but its observation is not ok: ${JSON.stringify(observed)}`);
  const result: BringUpResult = {
    wallMs: gate.endedAtMs! - firstStart,
    programMs: gate.endedAtMs! - started,
    criticalPath: waves.length,
    commands: commands.length,
    waves,
    healthyMembers: observed.healthyMembers,
  };
  emitResult(result);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
