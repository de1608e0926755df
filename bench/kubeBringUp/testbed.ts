/**
 * The Kubernetes bring-up benchmark's own test bed: kind-node-like hosts (test/hosts/kind-hosts.sh) with a prefix,
 * subnet and state directory of their own (TESTBED_KIND_PREFIX / _NET / _STATE, default pkb, 10.217.0,
 * /tmp/pkb-kind), so it never touches the integration tests' `pkk` hosts nor is torn down by them.
 *
 * {@link startBenchKubeTestbed} does what the integration harness's startKubeTestbed (test/integration/harness/
 * kubeTestbed.ts) does: the machine image, the Kubernetes images imported into each node's containerd, the HAProxy
 * and keepalived units unmasked on the load-balancer hosts, the flannel manifest served over HTTPS on the test
 * bridge. It is not imported from there because that module finds its scripts next to its own file, which compiled
 * to .bench-dist/ has no test/testbed or test/hosts beside it (and images.sh keys its image cache on its own path,
 * so a copy or a link would rebuild the images every other test bed imports).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { buildKubeNodeImage } from "../../test/integration/harness/kubeNodeImage";
import { makeServerTls, ManifestServer, serveFiles } from "../../test/integration/harness/manifestServer";
import { runSsh, SshResult } from "../../test/integration/harness/ssh";
import { TESTBED_CACHE, upstreamBinary } from "../../test/integration/harness/upstreamCache";
import { REPO_ROOT } from "../support/paths";

/** Kubernetes version brought up (the cached upstream build). */
export const KUBERNETES_VERSION = "1.34.2";

/** The bed's prefix, subnet and state directory; the suite puts them in each child's environment. */
export const KUBE_BENCH_TESTBED = {
  prefix: process.env.TESTBED_KIND_PREFIX ?? "pkb",
  net: process.env.TESTBED_KIND_NET ?? "10.217.0",
  state: process.env.TESTBED_KIND_STATE ?? "/tmp/pkb-kind",
};

/** The environment of a child: TESTBED_KIND_* as the integration harness reads them. */
export function kubeBenchEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TESTBED_KIND_PREFIX: KUBE_BENCH_TESTBED.prefix, TESTBED_KIND_NET: KUBE_BENCH_TESTBED.net, TESTBED_KIND_STATE: KUBE_BENCH_TESTBED.state };
}

const KIND_HOSTS_SCRIPT = path.join(REPO_ROOT, "test", "hosts", "kind-hosts.sh");
const IMAGES_SCRIPT = path.join(REPO_ROOT, "test", "testbed", "images.sh");
const FLANNEL_MANIFEST = path.join(REPO_ROOT, "test", "testbed", "flannel.yaml");
/** The machine image directory (one per bed, as the harness names it). */
const nodeImageDir = () => `${KUBE_BENCH_TESTBED.state}-node-image-v${KUBERNETES_VERSION}`;

function run(file: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, [...args], { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, env }, (error, stdout, stderr) =>
      error ? reject(new Error(`${path.basename(file)} ${args.join(" ")}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Runs kind-hosts.sh on the benchmark's bed (TESTBED_PREFIX/NET/STATE from TESTBED_KIND_*), with an optional machine image. */
export function kindHosts(args: readonly string[], timeoutMs = 120_000, image = ""): Promise<string> {
  const env = { ...process.env, TESTBED_PREFIX: KUBE_BENCH_TESTBED.prefix, TESTBED_NET: KUBE_BENCH_TESTBED.net, TESTBED_STATE: KUBE_BENCH_TESTBED.state, TESTBED_IMAGE: image };
  return run(KIND_HOSTS_SCRIPT, args, timeoutMs, env);
}

/** Removes the bed's hosts (idempotent) and its machine image directory. */
export async function tearDown(): Promise<void> {
  await kindHosts(["down"]);
  rmSync(nodeImageDir(), { recursive: true, force: true });
}

/** Why the Kubernetes bring-up benchmark cannot run here, or undefined when it can. */
export async function unavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (network, mount, PID and cgroup namespaces)";
  try {
    for (const [component, version, binary] of [
      ["kubernetes", `v${KUBERNETES_VERSION}`, "kubeadm"],
      ["kubernetes", `v${KUBERNETES_VERSION}`, "kubelet"],
      ["kubernetes", `v${KUBERNETES_VERSION}`, "kubectl"],
      ["crictl", undefined, "crictl"],
      ["etcd", undefined, "etcd"],
      ["flannel", undefined, "flanneld"],
    ] as const) {
      upstreamBinary(component, version, binary);
    }
  } catch (error) {
    return `upstream cache ${TESTBED_CACHE} incomplete: ${error instanceof Error ? error.message : String(error)}`;
  }
  for (const tool of ["ip", "unshare", "sshd", "ssh", "containerd", "ctr", "haproxy", "keepalived", "openssl"]) {
    const found = await run("/bin/sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`], 10_000).then(() => true, () => false);
    if (!found) return `${tool} not installed (see test/hosts/kind-hosts.sh)`;
  }
  if (!existsSync("/lib/systemd/systemd")) return "systemd not installed (see test/hosts/kind-hosts.sh)";
  return undefined;
}

/** Network namespaces of the benchmark's bed that exist now (must be none after the suite). */
export async function ownNamespaces(): Promise<string[]> {
  return (await namespaces()).filter((ns) => ns.startsWith(`${KUBE_BENCH_TESTBED.prefix}-`));
}

/** Network namespaces of other test beds (`pk*-hN`) up now: their load skews the figures. */
export async function otherTestbeds(): Promise<string[]> {
  return (await namespaces()).filter((ns) => /^pk[a-z]*-h\d+$/.test(ns) && !ns.startsWith(`${KUBE_BENCH_TESTBED.prefix}-`)).sort();
}

async function namespaces(): Promise<string[]> {
  const out = await run("ip", ["netns", "list"], 10_000);
  return out
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter(Boolean);
}

/** One host of the bed. */
export interface BenchHost {
  /** kind-hosts.sh name, h1..hN. */
  name: string;
  address: string;
}

/** A running bed: 3 node hosts (images imported), 2 load-balancer hosts, the flannel manifest served. */
export interface BenchKubeTestbed {
  nodes: BenchHost[];
  loadBalancers: BenchHost[];
  /** A free address of the test network for the keepalived virtual IP. */
  virtualIp: string;
  cniManifestUrl: string;
  /** Root login key (OpenSSH format) and its file. */
  privateKeyPem: string;
  privateKeyFile: string;
  /** Paths the manifest server was asked for. */
  manifestRequests: string[];
  /** ms the set-up took (hosts up, images imported). */
  setupMs: number;
  ssh(host: BenchHost, command: string, timeoutMs?: number): Promise<SshResult>;
  stop(): Promise<void>;
}

/** Fresh hosts h1..h(nodes+loadBalancers), as startKubeTestbed makes them (see the file comment). */
export async function startBenchKubeTestbed(nodeCount: number, loadBalancerCount: number): Promise<BenchKubeTestbed> {
  const started = Date.now();
  const { net, state } = KUBE_BENCH_TESTBED;
  const bridgeAddress = `${net}.1`;
  const tls = makeServerTls(bridgeAddress);
  const tars = (await run("bash", [IMAGES_SCRIPT, "build", `v${KUBERNETES_VERSION}`], 30 * 60_000))
    .trim()
    .split("\n")
    .map((line) => line.split("\t")[1] ?? "")
    .filter((tar) => tar.endsWith(".tar"));
  if (tars.length === 0) throw new Error(`images.sh build v${KUBERNETES_VERSION} printed no image tar`);
  const image = buildKubeNodeImage({ dir: nodeImageDir(), kubernetesVersion: KUBERNETES_VERSION, extraCaPems: [tls.caPem] });
  const total = nodeCount + loadBalancerCount;
  await kindHosts(["down"]);
  try {
    await kindHosts(["up", String(total)], 180_000, image);
  } catch (error) {
    await tearDown().catch(() => undefined);
    throw error;
  }
  const hosts: BenchHost[] = Array.from({ length: total }, (_, i) => ({ name: `h${i + 1}`, address: `${net}.${11 + i}` }));
  const privateKeyFile = path.join(state, "keys", "id_ed25519");
  const privateKeyPem = readFileSync(privateKeyFile, "utf8");
  const ssh = (host: BenchHost, command: string, timeoutMs = 600_000) => runSsh({ host: host.address, keyFile: privateKeyFile }, { command, timeoutMs });
  const must = async (host: BenchHost, command: string) => {
    const r = await ssh(host, command);
    if (r.code !== 0) throw new Error(`on ${host.name}: \`${command}\` exited ${r.code}: ${r.stderr}`);
  };
  const nodes = hosts.slice(0, nodeCount);
  const loadBalancers = hosts.slice(nodeCount);
  let server: ManifestServer | undefined;
  try {
    await Promise.all([
      ...nodes.map((h) => must(h, tars.map((t) => `ctr -n k8s.io images import ${t} >/dev/null`).join(" && "))),
      // Machines with the haproxy and keepalived packages installed (kind-hosts.sh masks the machine's daemons).
      ...loadBalancers.map((h) => must(h, "rm -f /etc/systemd/system/haproxy.service /etc/systemd/system/keepalived.service && systemctl daemon-reload")),
    ]);
    server = await serveFiles(bridgeAddress, tls, { "/flannel.yaml": readFileSync(FLANNEL_MANIFEST, "utf8") });
  } catch (error) {
    await tearDown().catch(() => undefined);
    throw error;
  }
  const manifestServer = server;
  let stopped = false;
  return {
    nodes,
    loadBalancers,
    virtualIp: `${net}.100`,
    cniManifestUrl: `${manifestServer.baseUrl}flannel.yaml`,
    privateKeyPem,
    privateKeyFile,
    manifestRequests: manifestServer.requests,
    setupMs: Date.now() - started,
    ssh,
    async stop() {
      if (stopped) return;
      stopped = true;
      await manifestServer.close();
      await tearDown();
    },
  };
}
