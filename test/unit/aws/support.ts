import * as pulumi from "@pulumi/pulumi";
import { awsMockInvokes, awsMockResourceState } from "../../../src/aws/testing";
import { k8sHaMocks } from "../../../src/testing";

/** A resource the mocks saw. */
export interface Seen {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** Invokes the mocks saw. */
export interface SeenInvoke {
  token: string;
  inputs: Record<string, any>;
}

/** What {@link installAwsMocks} records. */
export interface Recorder {
  resources: Seen[];
  invokes: SeenInvoke[];
}

/**
 * Installs the library's mocks plus the AWS canned answers, recording every registration and invoke.
 * `invokes` overrides individual answers (e.g. a region with two zones).
 */
export async function installAwsMocks(preview: boolean, invokes: Record<string, (a: Record<string, any>) => Record<string, any>> = {}): Promise<Recorder> {
  const recorder: Recorder = { resources: [], invokes: [] };
  const base = k8sHaMocks({ invokes: { ...awsMockInvokes, ...invokes }, resourceState: awsMockResourceState });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorder.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return base.newResource(args);
      },
      call(args) {
        recorder.invokes.push({ token: args.token, inputs: args.inputs });
        return base.call(args);
      },
    },
    "project",
    "stack",
    preview,
  );
  return recorder;
}

/** Waits until no new registration arrived for `quietMs` (preview outputs stay unknown, so nothing to await). */
export async function settle(recorder: Recorder, quietMs = 150, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    if (recorder.resources.length === last) return;
    last = recorder.resources.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  throw new Error("registrations did not settle");
}

/** The value of an Output, or a rejection after `timeoutMs`. */
export function outputValue<T>(output: pulumi.Output<T>, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`output did not resolve within ${timeoutMs} ms`)), timeoutMs);
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
      return value;
    });
  });
}

/** Whether an Output is a secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as any).isSecret as Promise<boolean>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The plain value of a possibly secret-wrapped mock input. */
export function unwrap(value: any): any {
  return typeof value === "object" && value !== null && value[SECRET_SIG] !== undefined ? value.value : value;
}

/** Registrations of one type token. */
export function ofType(recorder: Recorder, type: string): Seen[] {
  return recorder.resources.filter((r) => r.type === type);
}

/** The registration of `type` named `name` (throws naming what exists). */
export function named(recorder: Recorder, type: string, name: string): Seen {
  const found = recorder.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have ${ofType(recorder, type).map((r) => r.name).join(", ")}`);
  return found;
}

/** Smallest valid arguments. */
export const BASE_ARGS = { clusterName: "demo", adminCidrs: ["203.0.113.7/32"] };
