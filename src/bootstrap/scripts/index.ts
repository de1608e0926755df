export * from "./shell";
export * from "./waitReady";
export * from "./placeFiles";
export * from "./etcdStart";
export * from "./quorumGate";
export * from "./kubeadm";
export * from "./loadBalancer";
export * from "./prepareHost";
