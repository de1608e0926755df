import * as pulumi from "@pulumi/pulumi";
import { type ConfiguredHost, stack } from "./program";
import type { EtcdTopology } from "pulumi-k8s-ha";

const config = new pulumi.Config();

export = stack({
  clusterName: config.get("clusterName") ?? "own-hosts",
  controlPlaneHosts: config.requireObject<ConfiguredHost[]>("controlPlaneHosts"),
  etcdHosts: config.getObject<ConfiguredHost[]>("etcdHosts"),
  loadBalancerHosts: config.getObject<ConfiguredHost[]>("loadBalancerHosts"),
  apiServerEndpoint: config.get("apiServerEndpoint"),
  virtualIp: config.get("virtualIp"),
  virtualIpInterface: config.get("virtualIpInterface"),
  etcdTopology: config.get<EtcdTopology>("etcdTopology"),
  kubernetesVersion: config.get("kubernetesVersion"),
  prepareHosts: config.getBoolean("prepareHosts"),
  bastion: config.getObject<{ host: string; user: string; port?: number }>("bastion"),
  sshPrivateKey: config.requireSecret("sshPrivateKey"),
});
