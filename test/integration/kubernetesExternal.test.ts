/**
 * A real HA control plane with an external etcd tier: the library's HostsControlPlane (executing mocks: real SSH,
 * keys and certificates) starts etcd 3.6 on h1-h3 with its own systemd unit, then kubeadm init/join of two
 * control planes on h4-h5 behind HAProxy + keepalived on h6-h7, with flannel. Every host's address and user arrive
 * as outputs, as an inventory stack's would: the component checks them once known, then builds every child. The
 * fault: the FIRST etcd member is powered off and every control plane restarted; the API servers must come back on
 * the other members.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GateObservation, QuorumReport } from "../../src/cluster/quorumReport";
import type { HostSpec } from "../../src/hosts";
import { setExecutingMocks } from "./harness/executingMocks";
import { KubeTestbed, startKubeTestbed } from "./harness/kubeTestbed";
import { outputValue } from "./harness/outputs";
import { testbedNamespaces } from "./harness/testbed";

jest.setTimeout(40 * 60_000);

let kt: KubeTestbed;
let hostsModule: typeof import("../../src/hosts");
let kubeconfig: string;
let quorum: QuorumReport;
const figures: Record<string, string> = {};
const domains = ["rack-a", "rack-b", "rack-c"];

/** Host `index` with its address and user as outputs (as from a `StackReference`). */
function spec(index: number, name: string, domain: string): HostSpec {
    const plain = kt.hostSpec(index, name, domain);
    return { ...plain, address: pulumi.output(plain.address), user: pulumi.output(plain.user) };
}

const kubectl = (...args: string[]): Promise<string> => kt.kubectl(kubeconfig, args);

beforeAll(async () => {
    await setExecutingMocks({ connectTimeoutSeconds: 2, dialRetryDelayMs: 500, maxDialWaitMs: 180_000, commandTimeoutMs: 20 * 60_000 });
    hostsModule = await import("../../src/hosts");
    kt = await startKubeTestbed({ nodeCount: 5, loadBalancerCount: 2 });
});

afterAll(async () => {
    console.log(`external etcd control plane, measured:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
    await kt?.stop();
    expect(await testbedNamespaces("pkk")).toEqual([]);
});

test("bring-up: 3 external etcd members, 2 control planes behind HAProxy + keepalived", async () => {
    const started = Date.now();
    const cp = new hostsModule.HostsControlPlane("ext", {
        clusterName: "it-external",
        etcdTopology: "external",
        etcdHosts: [0, 1, 2].map((i) => spec(i, `etcd-${i}`, domains[i])),
        controlPlaneHosts: [3, 4].map((i) => spec(i, `cp-${i - 3}`, domains[i - 3])),
        loadBalancerHosts: [5, 6].map((i) => spec(i, `lb-${i - 5}`, domains[i - 5])),
        failureDomains: domains,
        ...kt.sharedArgs,
    });
    quorum = await outputValue(cp.quorum, 30 * 60_000);
    kubeconfig = await outputValue(cp.kubeconfig, 60_000);
    figures["bring-up (whole program)"] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const observed = quorum.observed as GateObservation;
    expect(observed.ok).toBe(true);
    expect(observed.members.map((m) => [m.name, m.healthy, m.isLearner])).toEqual([
        ["etcd-0", true, false],
        ["etcd-1", true, false],
        ["etcd-2", true, false],
    ]);
    expect(observed.members.filter((m) => m.isLeader)).toHaveLength(1);
    expect(observed.apiServerReadyz).toBe("ok");
    expect(observed.nodes).toEqual([
        { name: "cp-0", ready: true, kubeletVersion: "v1.34.2" },
        { name: "cp-1", ready: true, kubeletVersion: "v1.34.2" },
    ]);
    const nodes = await outputValue(cp.nodes, 60_000);
    expect(nodes.map((node) => `${node.name}@${node.address}`)).toEqual(
        ["cp-0", "cp-1", "etcd-0", "etcd-1", "etcd-2"].map((name, i) => `${name}@${kt.tb.hosts[[3, 4, 0, 1, 2][i]].address}`),
    );
    const version = await kt.tb.run(kt.tb.hosts[0], "etcd --version | head -1");
    expect(version.trim()).toBe("etcd Version: 3.6.5");
});

test("power off the FIRST etcd member, then restart every control plane: all come back Ready and serve", async () => {
    await kubectl("create", "configmap", "before-etcd-0-died", "--from-literal=written=yes");
    await kt.tb.crash(kt.tb.hosts[0]);
    const restartedAt = Date.now();
    await Promise.all([kt.tb.crash(kt.tb.hosts[3]), kt.tb.crash(kt.tb.hosts[4])]);
    await Promise.all([kt.tb.boot(kt.tb.hosts[3]), kt.tb.boot(kt.tb.hosts[4])]);
    await kt.waitNodesReady(kubeconfig, ["cp-0", "cp-1"], 600_000);
    figures["etcd-0 off, both control planes power-cycled: Ready and serving after"] = `${((Date.now() - restartedAt) / 1000).toFixed(1)} s`;
    expect(await kt.nodeReadiness(kubeconfig)).toEqual(["cp-0=True", "cp-1=True"]);
    expect((await kubectl("get", "configmap", "before-etcd-0-died", "-o", "jsonpath={.data.written}")).trim()).toBe("yes");
    await kubectl("create", "configmap", "after-etcd-0-died", "--from-literal=written=yes");
    await kt.tb.boot(kt.tb.hosts[0]);
});
