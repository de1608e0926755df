import type * as pulumi from "@pulumi/pulumi";

/**
 * The value of a stack output under mocks, for assertions in a unit test:
 * `expect(await outputValue(cluster.quorum)).toMatchObject(...)`. Secrets resolve to their plain value (check
 * secrecy with `pulumi.isSecret`). Rejects after `timeoutMs` instead of waiting forever: in preview mode (and for
 * a component that reported an error) an output stays unknown and never resolves.
 * @param output the output to read
 * @param timeoutMs how long to wait, in milliseconds. @default 10000
 */
export function outputValue<T>(output: pulumi.Output<T>, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pulumi-k8s-ha/testing: output did not resolve within ${timeoutMs} ms (unknown in preview, or the component reported an error)`)), timeoutMs);
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
      return value;
    });
  });
}
