export * from "./types";
export * from "./args";
export * from "./quorumReport";
export * from "./argumentError";
export * from "./etcdCluster";
export * from "./kubeadmControlPlane";
export { parseGateObservation } from "./observation";
export { defaults as componentDefaults } from "./constants";
export * from "./validateArgs";
