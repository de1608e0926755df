/**
 * Bounded waits on Pulumi outputs, and handling of expected resource failures. Unexpected failures need no guard
 * here: Jest 30 fails the running test on any unhandled rejection (it replaces process handlers while tests run).
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The value of an Output once known; rejects with the resource's error if it fails, or after `timeoutMs`.
 * (Uses the Output's internal `promise()`: `apply` would only add another unhandled rejection on failure.)
 */
export function outputValue<T>(o: pulumi.Output<T>, timeoutMs = 60_000): Promise<T> {
    const value = (o as unknown as { promise(): Promise<T> }).promise();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`output not resolved within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Marks the rejections of a resource that is expected to fail as handled. Jest (30) fails a test on any unhandled
 * rejection, and a failing mock rejects every output of its resource (each output's `isKnown` and `isSecret`
 * promises are the unhandled ones). Call this right after constructing the resource; then inspect the failure with
 * `ExecutingMocks.settled(name)`. Outputs derived from the resource later (`apply`) must be handled by the caller.
 * Limitation: a resource that depends on a failing one rejects inside the Pulumi runtime, out of reach of any
 * handler (Jest listens on the real `process`, tests only see a copy), so only provoke failures in leaf resources.
 */
export function expectFailure<R extends pulumi.Resource>(resource: R): R {
    for (const v of Object.values(resource)) {
        if (pulumi.Output.isInstance(v)) {
            const o = v as unknown as { isKnown: Promise<unknown>; isSecret: Promise<unknown> };
            o.isKnown.catch(() => undefined);
            o.isSecret.catch(() => undefined);
        }
    }
    return resource;
}

