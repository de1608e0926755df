/**
 * Reading a policy's configuration: the values a user puts in the `--policy-pack-config` file, over the defaults
 * of the policy's schema (the engine fills schema defaults too; reading them here keeps unit tests and old CLIs
 * honest).
 */
export function configWithDefaults<T extends object>(defaults: T, getConfig: <C extends object>() => C): T {
  const given = getConfig<Partial<T>>() ?? {};
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && key !== "enforcementLevel") merged[key] = value;
  }
  return merged as T;
}

/** Whether a value read from a resource is unknown (only in preview): the policy SDK throws `UnknownValueError` on access. */
export function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

/**
 * `read()`, or `whenUnknown` when it touches a value that is unknown in preview. Lets a stack policy skip one
 * resource whose outputs are not known yet instead of giving up on the whole stack.
 */
export function readKnown<T>(read: () => T, whenUnknown: T): T {
  try {
    return read();
  } catch (error) {
    if (isUnknownValueError(error)) return whenUnknown;
    throw error;
  }
}
