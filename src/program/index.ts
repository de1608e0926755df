// The root Pulumi program (Pulumi.yaml `main`): the default stack, configured with `pulumi config set`.
import { defaultStack, readDefaultStackSettings } from "./defaultStack";

const cluster = defaultStack(readDefaultStackSettings());

export const kubeconfig = cluster.kubeconfig;
export const apiServerEndpoint = cluster.apiServerEndpoint;
export const nodes = cluster.nodes;
export const etcdEndpoints = cluster.etcdEndpoints;
export const quorum = cluster.quorum;
