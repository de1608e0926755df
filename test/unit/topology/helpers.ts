import { TopologyError } from "../../../src/topology";

/** Runs `fn`, expects a TopologyError and returns it. */
export function catchTopologyError(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return error as TopologyError;
  }
  throw new Error("expected a TopologyError, nothing was thrown");
}
