import { TopologyError } from "../../../src/topology";

describe("TopologyError", () => {
  it("carries the field, the name and a prefixed message, and survives instanceof", () => {
    const error = new TopologyError("zones", "is empty. Give at least one zone.");
    expect(error).toBeInstanceOf(TopologyError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TopologyError");
    expect(error.field).toBe("zones");
    expect(error.message).toBe("zones: is empty. Give at least one zone.");
    expect(Object.getPrototypeOf(error)).toBe(TopologyError.prototype);
  });
});
