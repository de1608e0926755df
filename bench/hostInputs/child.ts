// One evaluation of a HostsControlPlane under mocks, in a fresh process:
//   node child.js plain|referenced
// `plain`: host addresses, users and the endpoint as strings (the baseline); `referenced`: the same values read
// from another stack (`StackReference.requireOutput`), so the component checks them once known, then builds.
// Prints how long it took from the constructor until every output resolved and every registration drained.
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { HostsControlPlaneArgs } from "../../src/hosts/args";
import { cpuMs, emitResult } from "../support/childProcess";
import { exitOnUnhandledRejection, settle } from "../support/outputs";

/** Figures of one run. */
export interface HostInputsTiming {
  /** ms from the constructor until every output resolved and registrations drained. */
  evaluationMs: number;
  /** CPU time (user + system) of this process in that span, ms. */
  evaluationCpuMs: number;
  /** Resources registered (the stack reference included when referenced). */
  resources: number;
}

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nBENCH\n-----END OPENSSH PRIVATE KEY-----\n";
const RACKS = ["rack-a", "rack-b", "rack-c"];
/** What the inventory stack exports. */
const INVENTORY = { controlPlanes: ["10.1.0.10", "10.1.0.11", "10.1.0.12"], loadBalancers: ["10.1.0.20", "10.1.0.21"], user: "ubuntu" };

/** 3 stacked control planes behind HAProxy + keepalived on 2 hosts; `value` reads each address and user. */
function args(value: (list: "controlPlanes" | "loadBalancers" | "user", index: number) => pulumi.Input<string>): HostsControlPlaneArgs {
  const host = (list: "controlPlanes" | "loadBalancers", prefix: string) => (_: unknown, i: number) => ({
    name: `${prefix}-${i}`,
    address: value(list, i),
    user: value("user", 0),
    privateKey: KEY,
    failureDomain: RACKS[i],
  });
  return {
    clusterName: "bench",
    controlPlaneHosts: INVENTORY.controlPlanes.map(host("controlPlanes", "cp")),
    loadBalancerHosts: INVENTORY.loadBalancers.map(host("loadBalancers", "lb")),
    virtualIp: "10.1.0.100",
    virtualIpInterface: "eth0",
  };
}

async function main(): Promise<void> {
  exitOnUnhandledRejection();
  const mode = process.argv[2];
  if (mode !== "plain" && mode !== "referenced") throw new Error("usage: child.js plain|referenced");
  const { k8sHaMocks }: typeof import("../../src/testing/mocks") = require("../../src/testing/mocks");
  let resources = 0;
  const mocks = k8sHaMocks({ onResource: () => resources++, resourceState: { "pulumi:pulumi:StackReference": () => ({ outputs: INVENTORY }) } });
  await pulumi.runtime.setMocks(mocks, "pulumi-k8s-ha", "bench", false);
  const { HostsControlPlane }: typeof import("../../src/hosts") = require("../../src/hosts");
  const startedAt = performance.now();
  const cpu = process.cpuUsage();
  let value: Parameters<typeof args>[0];
  if (mode === "plain") {
    value = (list, index) => (list === "user" ? INVENTORY.user : INVENTORY[list][index]);
  } else {
    const inventory = new pulumi.StackReference("acme/inventory/bench");
    value = (list, index) => (list === "user" ? inventory.requireOutput("user") : inventory.requireOutput(list).apply((entries: string[]) => entries[index]));
  }
  const cluster = new HostsControlPlane("bench", args(value));
  await Promise.all([cluster.kubeconfig, cluster.apiServerEndpoint, cluster.nodes, cluster.etcdEndpoints, cluster.quorum, cluster.workerJoinCommand].map((o) => settle<unknown>(o)));
  await pulumi.runtime.disconnect();
  emitResult({ evaluationMs: performance.now() - startedAt, evaluationCpuMs: cpuMs(process.cpuUsage(cpu)), resources } satisfies HostInputsTiming);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
