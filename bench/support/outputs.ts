import type * as pulumi from "@pulumi/pulumi";

/** The value of an Output (under mocks in update mode every output becomes known); rejects after `timeoutMs`. */
export function settle<T>(output: pulumi.Output<T>, timeoutMs = 120_000): Promise<T> {
  const value = (output as unknown as { promise(): Promise<T> }).promise();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`output not resolved within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}

/** Fails the process on any unhandled rejection (a failing mock surfaces only that way). */
export function exitOnUnhandledRejection(): void {
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    process.exit(1);
  });
}
