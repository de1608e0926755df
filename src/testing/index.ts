export * from "./certificate";
export * from "./commandOutput";
export * from "./mocks";
export * from "./existingNetworks";
export * from "./outputs";
export * from "./refusals";
