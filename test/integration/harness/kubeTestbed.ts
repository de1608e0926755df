/**
 * A test bed for real Kubernetes bring-ups: kind-node-like hosts (systemd, containerd) booted from the machine
 * image of kubeNodeImage.ts, the Kubernetes images kubeadm expects imported into each node's containerd (built
 * locally by test/testbed/images.sh, nothing pulled), load-balancer hosts with HAProxy and keepalived installed,
 * and the CNI manifest served over HTTPS on the test bridge. From there only the library acts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { kubernetesAptRepositories } from "./aptRepository";
import { buildKubeNodeImage } from "./kubeNodeImage";
import { makeServerTls, ManifestServer, serveFiles } from "./manifestServer";
import { startTestbed, Testbed, TestHost } from "./testbed";
import { upstreamBinary } from "./upstreamCache";
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../../../src/hosts";

/** The script that assembles the Kubernetes images from the built binaries. */
const IMAGES_SCRIPT = path.resolve(__dirname, "../../testbed/images.sh");
/** The flannel manifest the test bed serves (images built locally, host-gw backend). */
const FLANNEL_MANIFEST = path.resolve(__dirname, "../../testbed/flannel.yaml");

/** Settings a real machine would not need but these container-like hosts do, passed as documented arguments. */
export const CONTAINER_LIKE_HOST_ARGS = {
    /** The kernel config kubeadm's SystemVerification reads is not there (no /proc/config.gz, no /boot). */
    ignorePreflightErrors: ["SystemVerification"],
    /** nf_conntrack_max is kernel-wide: only the machine's init network namespace may write it. */
    kubeProxyConntrackMaxPerCore: 0,
    /** The hosts are cgroup v1 (kubelet 1.34 only warns; set for 1.35+). */
    kubeletFailCgroupV1: false,
    /** The hosts' hard `nofile` limit (20000) is below the 40000 files HAProxy wants for its default 20000 connections. */
    loadBalancerMaxConnections: 4000,
};

/** A running Kubernetes test bed. */
export interface KubeTestbed {
    readonly tb: Testbed;
    /** Hosts that run Kubernetes nodes (their containerd has the images). */
    readonly nodes: readonly TestHost[];
    /** Hosts that run HAProxy and keepalived. */
    readonly loadBalancers: readonly TestHost[];
    /** A free address of the test network for the keepalived virtual IP. */
    readonly virtualIp: string;
    /** HTTPS URL of the CNI manifest. */
    readonly cniManifestUrl: string;
    /** The manifest server (its request log shows the library fetched the manifest and the packages). */
    readonly manifestServer: ManifestServer;
    /** With `upgradeVersions`: the `kubernetesAptRepository` template (`{minor}`) of the served packages; "" otherwise. */
    readonly kubernetesAptRepository: string;
    /**
     * The HostsControlPlane arguments every bring-up on this bed shares: the VIP on the load-balancer hosts, the
     * served CNI, no preparation (the machine image did it), bounded waits, the container-like machine settings.
     */
    readonly sharedArgs: typeof CONTAINER_LIKE_HOST_ARGS & {
        virtualIp: string;
        virtualIpInterface: string;
        prepareHosts: boolean;
        cniManifestUrl: string;
        gateTimeoutSeconds: number;
        hostReadyTimeoutMinutes: number;
    };
    /** A `HostsControlPlane` host entry for test host `index` (0 = h1): root over SSH with the bed's key (secret). */
    hostSpec(index: number, name: string, failureDomain: string): HostSpec;
    /** Runs kubectl on this machine against `kubeconfig`; resolves with stdout, rejects on failure. */
    kubectl(kubeconfig: string, args: readonly string[], timeoutMs?: number): Promise<string>;
    /** Every node as `<name>=<Ready condition status>` (e.g. `cp-0=True`); `[]` when the API does not answer. */
    nodeReadiness(kubeconfig: string): Promise<string[]>;
    /** Waits until the nodes are exactly `names`, all Ready; resolves with the ms it took, rejects with the last state after `timeoutMs`. */
    waitNodesReady(kubeconfig: string, names: readonly string[], timeoutMs: number): Promise<number>;
    stop(): Promise<void>;
}

/** Options of {@link startKubeTestbed}. */
export interface KubeTestbedOptions {
    /** Hosts that become Kubernetes nodes (control planes, etcd members): h1..hN. */
    readonly nodeCount: number;
    /** Load-balancer hosts after them. */
    readonly loadBalancerCount: number;
    /** Kubernetes version without `v`. @default "1.34.2" */
    readonly kubernetesVersion?: string;
    /**
     * Versions an upgrade may go to: their images are imported into every node too (what a registry would serve),
     * and kubeadm, kubelet and kubectl of each (and of `kubernetesVersion`) are served as pkgs.k8s.io-like apt
     * repositories (aptRepository.ts) at {@link KubeTestbed.kubernetesAptRepository}. @default [] (no repository)
     */
    readonly upgradeVersions?: readonly string[];
}

function run(file: string, args: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile(file, [...args], { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, env: env ?? process.env }, (err, stdout, stderr) =>
            err ? reject(new Error(`${path.basename(file)} ${args.join(" ")}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout),
        ),
    );
}

/** Starts the hosts, imports the images into the nodes and serves the CNI manifest. Call `stop()` in afterAll. */
export async function startKubeTestbed(options: KubeTestbedOptions): Promise<KubeTestbed> {
    const version = options.kubernetesVersion ?? "1.34.2";
    const net = process.env.TESTBED_KIND_NET ?? "10.215.0";
    const bridgeAddress = `${net}.1`;
    const tls = makeServerTls(bridgeAddress);
    // The image tars (built once per version and cached); their paths are visible inside every host, whose
    // lower layer is this machine's root.
    const imageTars = async (v: string): Promise<string[]> => {
        const built = (await run("bash", [IMAGES_SCRIPT, "build", `v${v}`], 30 * 60_000))
            .trim()
            .split("\n")
            .map((line) => line.split("\t")[1] ?? "")
            .filter((tar) => tar.endsWith(".tar"));
        if (built.length === 0) throw new Error(`images.sh build v${v} printed no image tar`);
        return built;
    };
    const upgradeVersions = options.upgradeVersions ?? [];
    const tars: string[] = [];
    for (const v of [version, ...upgradeVersions]) tars.push(...(await imageTars(v)));
    const apt = upgradeVersions.length > 0 ? kubernetesAptRepositories([version, ...upgradeVersions]) : undefined;
    // One image directory per test bed (TESTBED_KIND_STATE), so test beds with their own prefix can run side by side.
    const state = process.env.TESTBED_KIND_STATE ?? "/tmp/pulumi-k8s-ha-kind";
    const image = buildKubeNodeImage({ dir: `${state}-node-image-v${version}`, kubernetesVersion: version, extraCaPems: [tls.caPem] });
    const total = options.nodeCount + options.loadBalancerCount;
    const tb = await startTestbed(total, { kubeNodes: true, image, upTimeoutMs: 120_000, commandTimeoutMs: 600_000 });
    const nodes = tb.hosts.slice(0, options.nodeCount);
    const loadBalancers = tb.hosts.slice(options.nodeCount);
    const scratch = mkdtempSync(path.join(tmpdir(), "pkh-kubectl-"));
    let server: ManifestServer | undefined;
    try {
        await Promise.all([
            ...nodes.map((h) => tb.run(h, tars.map((t) => `ctr -n k8s.io images import ${t} >/dev/null`).join(" && "))),
            // The load-balancer hosts are machines with the haproxy and keepalived packages installed (the kind
            // hosts mask every packaged daemon of the machine by default).
            ...loadBalancers.map((h) => tb.run(h, "rm -f /etc/systemd/system/haproxy.service /etc/systemd/system/keepalived.service && systemctl daemon-reload")),
        ]);
        server = await serveFiles(bridgeAddress, tls, { "/flannel.yaml": readFileSync(FLANNEL_MANIFEST, "utf8"), ...apt?.files });
    } catch (e) {
        apt?.cleanup();
        await tb.stop();
        rmSync(scratch, { recursive: true, force: true });
        throw e;
    }
    const kubectlBinary = upstreamBinary("kubernetes", `v${version}`, "kubectl");
    let kubeconfigs = 0;
    const kubectl = async (kubeconfig: string, args: readonly string[], timeoutMs = 60_000): Promise<string> => {
        const file = path.join(scratch, `kubeconfig-${kubeconfigs++}`);
        writeFileSync(file, kubeconfig, { mode: 0o600 });
        try {
            return await run(kubectlBinary, ["--kubeconfig", file, "--request-timeout=20s", ...args], timeoutMs);
        } finally {
            rmSync(file, { force: true });
        }
    };
    const nodeReadiness = async (kubeconfig: string): Promise<string[]> =>
        (await kubectl(kubeconfig, ["get", "nodes", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']).catch(() => ""))
            .trim()
            .split("\n")
            .filter(Boolean);
    const manifestServer = server;
    const virtualIp = `${net}.100`;
    const cniManifestUrl = `${manifestServer.baseUrl}flannel.yaml`;
    return {
        tb,
        nodes,
        loadBalancers,
        virtualIp,
        cniManifestUrl,
        manifestServer,
        kubernetesAptRepository: apt ? `${manifestServer.baseUrl}v{minor}/deb/` : "",
        sharedArgs: {
            virtualIp,
            virtualIpInterface: "eth0",
            prepareHosts: false,
            cniManifestUrl,
            gateTimeoutSeconds: 300,
            hostReadyTimeoutMinutes: 2,
            ...CONTAINER_LIKE_HOST_ARGS,
        },
        hostSpec(index, name, failureDomain) {
            return { name, address: tb.hosts[index].address, user: "root", privateKey: pulumi.secret(tb.privateKeyPem), failureDomain };
        },
        kubectl,
        nodeReadiness,
        async waitNodesReady(kubeconfig, names, timeoutMs) {
            const started = Date.now();
            const wanted = names.map((name) => `${name}=True`).join(",");
            for (;;) {
                const states = await nodeReadiness(kubeconfig);
                if (states.join(",") === wanted) return Date.now() - started;
                if (Date.now() - started > timeoutMs) throw new Error(`nodes not ${wanted} within ${timeoutMs} ms: ${states.join(",") || "no answer"}`);
                await new Promise((r) => setTimeout(r, 2000));
            }
        },
        async stop() {
            await manifestServer.close();
            apt?.cleanup();
            rmSync(scratch, { recursive: true, force: true });
            await tb.stop();
            rmSync(image, { recursive: true, force: true });
        },
    };
}
