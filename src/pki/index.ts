export * from "./caCertHash";
export * from "./certificateAuthority";
export * from "./clusterPki";
export * from "./etcdPki";
export * from "./bootstrapToken";
