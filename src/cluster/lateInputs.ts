import * as pulumi from "@pulumi/pulumi";
import { failDeployment } from "./deploymentFailure";

/**
 * A check of an argument given as an output (of another resource, or of another stack through a
 * `StackReference`): it runs once the value resolves, before any child is created.
 */
export interface LateCheck {
  /** The argument's values: the list's entries, or the value itself. */
  inputs: pulumi.Input<unknown>[];
  /** Throws a `TopologyError` naming the field when the resolved values are wrong. */
  check: (values: unknown[]) => void;
}

/** Whether a value is known now: neither an output nor a promise. */
const isPlain = (value: unknown): boolean => !pulumi.Output.isInstance(value) && !(value instanceof Promise);

/**
 * Checks `value` now when it (and, for a list, every entry) is a plain value, returning what `check` returns:
 * the preview then refuses it exactly as for any plain argument. Otherwise the check is recorded in `late` (see
 * {@link runLateChecks}) and `value` is returned as given.
 */
export function checkNowOrWhenKnown<T, R>(value: T, check: (resolved: unknown) => R, late: LateCheck[]): R | T {
  const entries = Array.isArray(value) ? value : [value];
  if (entries.every(isPlain)) return check(value);
  late.push({ inputs: entries, check: (values) => check(Array.isArray(value) ? values : values[0]) });
  return value;
}

/**
 * Whether an output's value is known. A preview knows the outputs of other stacks (`StackReference`), of
 * configuration and of resources that already exist, but not those of resources it would create. `isKnown` is
 * internal to `@pulumi/pulumi` (absent from its typings): without it, the value counts as unknown, and the check
 * runs at `pulumi up` as for an unknown value.
 */
function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as unknown as { isKnown?: Promise<boolean> }).isKnown ?? Promise.resolve(false);
}

/**
 * The values of `inputs` once they resolve, for a check before any child is created. Plain values come back at
 * once. In an update every output resolves, so this waits for them. In a preview, values already known (another
 * stack's outputs) come back too, so a wrong one is refused by the preview; when one stays unknown (an output of
 * a resource not yet created), this returns undefined and the check runs at `pulumi up`.
 */
export async function resolvedForCheck<T>(inputs: pulumi.Input<T>[]): Promise<T[] | undefined> {
  if (inputs.every(isPlain)) return inputs as T[];
  const combined = pulumi.all(inputs);
  if (pulumi.runtime.isDryRun() && !(await isKnown(combined))) return undefined;
  return new Promise<T[]>((resolve) => {
    combined.apply((values) => {
      resolve(values as T[]);
      return values;
    });
  });
}

/** Runs the recorded checks on the values as soon as they are known (see {@link resolvedForCheck}); throws the first problem naming its field. */
export async function runLateChecks(late: LateCheck[]): Promise<void> {
  for (const { inputs, check } of late) {
    const values = await resolvedForCheck(inputs);
    if (values !== undefined) check(values);
  }
}

/**
 * Runs `build` (which creates a component's children) at once when there is no late check, so the children
 * register synchronously as for plain values; otherwise once every late check passed. A refused value fails the
 * deployment ({@link failDeployment}) and resolves undefined: no child is created, and the {@link outputOfBuilt}
 * outputs stay unknown (they neither hang nor reject).
 */
export function buildAfterChecks<B>(late: LateCheck[], component: pulumi.Resource, context: string, build: () => B): Promise<B | undefined> {
  if (late.length === 0) return Promise.resolve(build());
  return runLateChecks(late).then(build, (error: unknown) => {
    failDeployment(error, component, context);
    return undefined;
  });
}

/** One output of what a build returned (see {@link buildAfterChecks}); unknown when nothing was built. */
export function outputOfBuilt<B, T>(built: Promise<B | undefined>, field: (built: B) => pulumi.Output<T>): pulumi.Output<T> {
  return pulumi.output(built.then((value) => (value ? field(value) : pulumi.output(pulumi.unknown)))) as pulumi.Output<T>;
}
