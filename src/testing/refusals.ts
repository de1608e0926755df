import { redirectRefusals } from "../cluster/deploymentFailure";

/**
 * Runs `body` (which builds components under mocks and waits for them) and returns the messages of the refusals
 * the components raised meanwhile, in order: an argument given as an output whose value turned out wrong (e.g.
 * `controlPlaneHosts[2].address: 10.0.0.1 is also controlPlaneHosts[0] (cp-0). ...`), or a failed cloud look-up.
 * Outside it, such a refusal fails the preview or update (and, under Jest, the running test). A refused component
 * creates no child and its outputs stay unknown.
 */
export async function refusalsDuring(body: () => Promise<unknown>): Promise<string[]> {
  const messages: string[] = [];
  const restore = redirectRefusals((refusal) => messages.push(refusal.message));
  try {
    await body();
  } finally {
    restore();
  }
  return messages;
}
