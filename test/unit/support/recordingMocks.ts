import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks, MockInvokes } from "../../../src/testing";

/** A resource the mocks saw, with the order it arrived and the order it finished in. */
export interface Registration {
  type: string;
  name: string;
  inputs: Record<string, any>;
  arrived: number;
  resolved?: number;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** True when a mock input value arrived wrapped as a Pulumi secret. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] !== undefined;
}

/** The plain value of a possibly secret-wrapped mock input. */
export function unwrapSecret(value: any): any {
  return isSecretInput(value) ? value.value : value;
}

/**
 * Installs the library's own mocks, recording every registration with a global sequence number for its
 * arrival and for its completion (after a short asynchronous pause, so that independent resources interleave
 * and ordering enforced by dependsOn is visible).
 */
export async function installRecordingMocks(options: { preview?: boolean; invokes?: MockInvokes } = {}): Promise<Registration[]> {
  const registrations: Registration[] = [];
  let sequence = 0;
  const base = k8sHaMocks({ invokes: options.invokes });
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const registration: Registration = { type: args.type, name: args.name, inputs: args.inputs, arrived: ++sequence };
        registrations.push(registration);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const result = await base.newResource(args);
        registration.resolved = ++sequence;
        return result;
      },
      call: (args) => base.call(args),
    },
    "project",
    "stack",
    options.preview ?? false,
  );
  return registrations;
}

/** The value of an Output, or a rejection after `timeoutMs` (unknown outputs in preview never resolve). */
export function outputValue<T>(output: pulumi.Output<T>, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`output did not resolve within ${timeoutMs} ms`)), timeoutMs);
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
      return value;
    });
  });
}

/** Waits until no new registration arrived for `quietMs` (for preview mode, where outputs stay unknown). */
export async function settle(registrations: Registration[], quietMs = 300, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    if (registrations.length === last) return;
    last = registrations.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  throw new Error("registrations did not settle");
}

/** Registrations of one type token. */
export function ofType(registrations: Registration[], type: string): Registration[] {
  return registrations.filter((r) => r.type === type);
}

/** The registration named `name` (throws when absent, naming what exists). */
export function named(registrations: Registration[], name: string): Registration {
  const found = registrations.find((r) => r.name === name);
  if (!found) throw new Error(`no registration named ${name}; have ${registrations.map((r) => r.name).join(", ")}`);
  return found;
}
