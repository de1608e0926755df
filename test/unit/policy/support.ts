import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { unwrapSecret } from "../support/recordingMocks";

/** Policy config as the engine passes it to `getConfig()`. */
export type Config = Record<string, unknown>;

/** The engine's view of inputs: secrets unwrapped to plain values (as the policy SDK does), recursively. */
export function plain(value: any): any {
  const unwrapped = unwrapSecret(value);
  if (Array.isArray(unwrapped)) return unwrapped.map(plain);
  if (unwrapped && typeof unwrapped === "object") return Object.fromEntries(Object.entries(unwrapped).map(([key, inner]) => [key, plain(inner)]));
  return unwrapped;
}

/** What `validateResource` receives for a resource of `type` named `name` with inputs `props`. */
export function resourceArgs(type: string, name: string, props: Record<string, any>, config: Config = {}): ResourceValidationArgs {
  return {
    type,
    name,
    props: plain(props),
    urn: `urn:pulumi:stack::project::${type}::${name}`,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

/** A resource of a stack as `validateStack` sees it: its outputs, its parent. */
export function stackResource(type: string, name: string, props: Record<string, any>, options: { stack?: string; parent?: PolicyResource } = {}): PolicyResource {
  return {
    type,
    name,
    props,
    urn: `urn:pulumi:${options.stack ?? "dev"}::project::${type}::${name}`,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    parent: options.parent,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

/** The messages a resource policy reports for one resource. */
export async function resourceViolations(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
  const messages: string[] = [];
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  for (const validate of validations) await validate(args, (message) => messages.push(message));
  return messages;
}

/** The messages (with the URN they name) a stack policy reports. */
export async function stackViolations(policy: StackValidationPolicy, resources: PolicyResource[], config: Config = {}): Promise<{ message: string; urn?: string }[]> {
  const messages: { message: string; urn?: string }[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
  await policy.validateStack(args, (message, urn) => messages.push({ message, urn }));
  return messages;
}
