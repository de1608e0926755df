import { awsMockInvokes, awsMockResourceState } from "../../../src/aws/testing";
import { installCloudMocks, type Recorder } from "../support/cloudMocks";

export { isSecret, named, ofType, outputValue, settle, unwrap, type Recorder, type Seen, type SeenInvoke } from "../support/cloudMocks";

/**
 * Installs the library's mocks plus the AWS canned answers, recording every registration and invoke.
 * `invokes` overrides individual answers (e.g. a region with two zones).
 */
export function installAwsMocks(preview: boolean, invokes: Record<string, (a: Record<string, any>) => Record<string, any>> = {}): Promise<Recorder> {
  return installCloudMocks({ invokes: awsMockInvokes, resourceState: awsMockResourceState }, preview, invokes);
}

/** Smallest valid arguments. */
export const BASE_ARGS = { clusterName: "demo", adminCidrs: ["203.0.113.7/32"] };
