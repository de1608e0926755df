import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks, type K8sHaMockOptions, type MockInvokes } from "../../../src/testing";
import { isSecretInput, outputValue as recordedOutputValue, type Registration, unwrapSecret } from "./recordingMocks";

export { isSecretInput };

/** A resource the mocks saw. */
export type Seen = Registration;

/** Invokes the mocks saw. */
export interface SeenInvoke {
  token: string;
  inputs: Record<string, any>;
}

/** What {@link installCloudMocks} records. */
export interface Recorder {
  resources: Seen[];
  invokes: SeenInvoke[];
}

/** A cloud's canned mock answers (e.g. `awsMockInvokes` and `awsMockResourceState` from src/aws/testing). */
export interface CloudMocks {
  /** Invoke answers by token. */
  invokes: MockInvokes;
  /** Resource state by type token. */
  resourceState: K8sHaMockOptions["resourceState"];
}

/**
 * Installs the library's mocks plus a cloud's canned answers, recording every registration and invoke.
 * `overrides` replaces individual invoke answers (e.g. a region with two zones).
 */
export async function installCloudMocks(
  cloud: CloudMocks,
  preview: boolean,
  overrides: Record<string, (a: Record<string, any>) => Record<string, any>> = {},
): Promise<Recorder> {
  const recorder: Recorder = { resources: [], invokes: [] };
  const base = k8sHaMocks({ invokes: { ...cloud.invokes, ...overrides }, resourceState: cloud.resourceState });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorder.resources.push({ type: args.type, name: args.name, inputs: args.inputs, arrived: recorder.resources.length + 1 });
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
  return recordedOutputValue(output, timeoutMs);
}

/** Whether an Output is a secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as any).isSecret as Promise<boolean>;
}

/** The plain value of a possibly secret-wrapped mock input. */
export const unwrap = unwrapSecret;

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
