import * as pulumi from "@pulumi/pulumi";

/** How a refusal fails the deployment (see {@link failDeployment}); {@link redirectRefusals} swaps it in unit tests. */
let reportRefusal = (refusal: pulumi.ResourceError): void => {
  void Promise.reject(refusal);
};

/**
 * Fails the running preview or update with `error` (a refusal found after the component was constructed: a value
 * that resolved late, a cloud look-up), its message prefixed with `context` (e.g. `HaControlPlane prod`) like an
 * `ArgumentError`'s. `pulumi.log.error` alone would not do: the real CLI exits 0 after it. An unhandled rejection is
 * how a Pulumi program reports an error from async work: the Node.js language host logs it and exits non-zero. It
 * carries no stack trace, so the host shows the message alone. Under Jest, it fails the running test with the same
 * message (unless `refusalsDuring` of `pulumi-k8s-ha/testing` records it). The program's other work goes on.
 */
export function failDeployment(error: unknown, component: pulumi.Resource, context: string): void {
  const message = error instanceof Error ? error.message : String(error);
  const refusal = new pulumi.ResourceError(message.startsWith(`${context}: `) ? message : `${context}: ${message}`, component, true);
  refusal.stack = undefined;
  reportRefusal(refusal);
}

/** Hands every refusal to `reporter` instead of failing the deployment, until the returned function restores it. */
export function redirectRefusals(reporter: (refusal: pulumi.ResourceError) => void): () => void {
  const previous = reportRefusal;
  reportRefusal = reporter;
  return () => {
    reportRefusal = previous;
  };
}
