#!/usr/bin/env node
// `npm start`: the offline plan of the root Pulumi program (see USAGE).
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../cluster/argumentError";
import { TopologyError } from "../topology";
import { parsePlanCommand, USAGE, UsageError } from "./args";
import { installPlanningMocks } from "./recorder";
import { formatPlanReport, resourcesByType, stepWaves } from "./report";

const PROJECT = "pulumi-k8s-ha";
const TIMEOUT_MS = 60_000;

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the plan did not complete within 60 s")), TIMEOUT_MS);
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
      return value;
    });
  });
}

function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let command;
  try {
    command = parsePlanCommand(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message}\n\n${USAGE}`, 2);
    throw error;
  }
  if (command.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { settings } = command;
  const resources = await installPlanningMocks(PROJECT, settings.cloud);
  pulumi.runtime.setAllConfig({
    "aws:region": "us-east-1",
    "gcp:project": "offline-plan",
    "gcp:region": "us-central1",
  });
  const { defaultStack } = await import("../program/defaultStack");
  const stack = defaultStack(settings);
  const [plan, quorum, apiServerEndpoint] = await Promise.all([valueOf(stack.plan), valueOf(stack.quorum), valueOf(stack.apiServerEndpoint)]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const report = {
    cloud: settings.cloud,
    clusterName: settings.clusterName,
    plan,
    quorum,
    apiServerEndpoint,
    resources: resourcesByType(resources),
    waves: stepWaves(resources, settings.clusterName),
  };
  process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPlanReport(report)}\n`);
}

function explain(error: unknown): never {
  if (error instanceof ArgumentError || error instanceof TopologyError) fail(`${error.message}`, 1);
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1);
}

process.on("unhandledRejection", explain);
main().catch(explain);
