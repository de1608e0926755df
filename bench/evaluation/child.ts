// One evaluation of the default stack under mocks, in a fresh process:
//   node child.js time|waves aws|gcp stacked|external COUNT
// `time`: plain k8sHaMocks; prints when every module was loaded (ms since process start) and how long the
// program took from `defaultStack(...)` until every output resolved and every registration RPC drained.
// `waves`: the offline planner's recorder (each remote step takes STEP_MS); prints the critical path.
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { DefaultStackOutputs, DefaultStackSettings } from "../../src/program/defaultStack";
import { cpuMs, emitResult } from "../support/childProcess";
import { exitOnUnhandledRejection, settle } from "../support/outputs";

/** Figures of a `time` run. */
export interface EvaluationTiming {
  /** ms from process start until Pulumi, the mocks, the library and the cloud entry were loaded. */
  loadedAtMs: number;
  /** ms from `defaultStack(...)` until every output resolved and registrations drained. */
  evaluationMs: number;
  /** CPU time (user + system) of this process in that span, ms: less sensitive to other load on the machine. */
  evaluationCpuMs: number;
  /** Resources registered (components included). */
  resources: number;
}

/** Figures of a `waves` run. */
export interface EvaluationWaves {
  /** Sequential remote-step waves: the critical path. */
  criticalPath: number;
  /** Remote commands in all. */
  commands: number;
}

const PROJECT = "pulumi-k8s-ha";
const CONFIG = { "aws:region": "us-east-1", "gcp:project": "bench", "gcp:region": "us-central1" };

function settingsOf(cloud: "aws" | "gcp", topology: "stacked" | "external", count: number): DefaultStackSettings {
  return {
    cloud,
    clusterName: "bench",
    etcdTopology: topology,
    controlPlaneCount: count,
    etcdMemberCount: topology === "external" ? count : undefined,
    adminCidrs: ["203.0.113.0/24"],
    apiAllowedCidrs: [],
  };
}

function allOutputs(stack: DefaultStackOutputs): Promise<unknown[]> {
  return Promise.all([stack.kubeconfig, stack.apiServerEndpoint, stack.nodes, stack.etcdEndpoints, stack.quorum, stack.plan].map((o) => settle<unknown>(o)));
}

async function time(settings: DefaultStackSettings): Promise<EvaluationTiming> {
  const { k8sHaMocks }: typeof import("../../src/testing/mocks") = require("../../src/testing/mocks");
  let resources = 0;
  await pulumi.runtime.setMocks(k8sHaMocks({ cloud: settings.cloud, onResource: () => resources++ }), PROJECT, "bench", false);
  pulumi.runtime.setAllConfig(CONFIG);
  const { defaultStack }: typeof import("../../src/program/defaultStack") = require("../../src/program/defaultStack");
  require(settings.cloud === "aws" ? "../../src/aws" : "../../src/gcp"); // load it now, not inside the timed part
  const loadedAtMs = performance.now();
  const cpu = process.cpuUsage();
  await allOutputs(defaultStack(settings));
  await pulumi.runtime.disconnect();
  return { loadedAtMs, evaluationMs: performance.now() - loadedAtMs, evaluationCpuMs: cpuMs(process.cpuUsage(cpu)), resources };
}

async function waves(settings: DefaultStackSettings): Promise<EvaluationWaves> {
  const { installPlanningMocks }: typeof import("../../src/cli/recorder") = require("../../src/cli/recorder");
  const { stepWaves }: typeof import("../../src/cli/report") = require("../../src/cli/report");
  const recorded = await installPlanningMocks(PROJECT, settings.cloud);
  pulumi.runtime.setAllConfig(CONFIG);
  const { defaultStack }: typeof import("../../src/program/defaultStack") = require("../../src/program/defaultStack");
  await allOutputs(defaultStack(settings));
  await pulumi.runtime.disconnect();
  const list = stepWaves(recorded, settings.clusterName);
  return { criticalPath: list.length, commands: list.reduce((sum, wave) => sum + wave.steps.length, 0) };
}

async function main(): Promise<void> {
  exitOnUnhandledRejection();
  const [mode, cloud, topology, count] = process.argv.slice(2);
  if ((mode !== "time" && mode !== "waves") || (cloud !== "aws" && cloud !== "gcp") || (topology !== "stacked" && topology !== "external") || !/^\d+$/.test(count ?? "")) {
    throw new Error("usage: child.js time|waves aws|gcp stacked|external COUNT");
  }
  const settings = settingsOf(cloud, topology, Number(count));
  emitResult(mode === "time" ? await time(settings) : await waves(settings));
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
