export * from "./paths";
export * from "./fileBundle";
export * from "./kubeadmConfig";
export * from "./cloudInit";
export * from "./containerdConfig";
export * from "./etcdConfig";
export * from "./etcdRelease";
export * from "./scripts";
