import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks } from "../testing/mocks";

/** A resource the planner saw, and when (in ms from the start) a command step started and finished. */
export interface PlannedResource {
  type: string;
  name: string;
  startedMs: number;
  finishedMs: number;
}

/** Each bootstrap command "takes" this long under the planner's mocks, so dependency depth shows as time. */
export const STEP_MS = 100;

/**
 * Installs the library's mocks (with the cloud's canned look-ups) and records every resource.
 * Commands take {@link STEP_MS} each and everything else no time, so a command's start time divided by
 * STEP_MS is the number of steps that must finish before it: its wave.
 */
export async function installPlanningMocks(project: string, cloud: "aws" | "gcp"): Promise<PlannedResource[]> {
  const resources: PlannedResource[] = [];
  const base = k8sHaMocks({ cloud });
  const start = Date.now();
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const resource: PlannedResource = { type: args.type, name: args.name, startedMs: Date.now() - start, finishedMs: 0 };
        resources.push(resource);
        if (args.type === "command:remote:Command") await new Promise((resolve) => setTimeout(resolve, STEP_MS));
        resource.finishedMs = Date.now() - start;
        return base.newResource(args);
      },
      call: (args) => base.call(args),
    },
    project,
    "offline-plan",
    false,
  );
  return resources;
}
