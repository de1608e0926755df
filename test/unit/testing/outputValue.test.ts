import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks, outputValue } from "../../../src/testing";

describe("outputValue (pulumi-k8s-ha/testing)", () => {
  beforeAll(() => pulumi.runtime.setMocks(k8sHaMocks(), "project", "stack", false));

  test("resolves to the output's value, a secret's plain value included", async () => {
    expect(await outputValue(pulumi.output({ a: 1 }))).toEqual({ a: 1 });
    expect(await outputValue(pulumi.secret("s3cret"))).toBe("s3cret");
  });

  test("rejects after the timeout, naming why, when the output never resolves", async () => {
    const never = pulumi.output(new Promise<string>(() => undefined));
    await expect(outputValue(never, 50)).rejects.toThrow("pulumi-k8s-ha/testing: output did not resolve within 50 ms (unknown in preview, or the component reported an error)");
  });
});
