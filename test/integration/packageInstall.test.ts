/**
 * The package as a platform team gets it: `npm pack`ed from the repository, installed from the tarball into a
 * fresh consumer project, and a stack using every entry type-checked under the three module resolutions
 * TypeScript users have (commonjs with node10 resolution, node16, bundler), including a company stack that passes
 * other stacks' outputs (`StackReference.requireOutput`) as the network, admin ranges, SSH keys and own hosts'
 * addresses; its policy-pack directory serves the pack.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { packLibrary } from "./harness/pulumiProject";

jest.setTimeout(600_000);

const REPO_ROOT = path.resolve(__dirname, "../..");
const rootManifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
const pinned = (name: string): string => rootManifest.devDependencies[name];

const CONSUMER_STACK = `import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, planTopology } from "pulumi-k8s-ha";
import { HaControlPlane as AwsControlPlane } from "pulumi-k8s-ha/aws";
import { HaControlPlane as GcpControlPlane } from "pulumi-k8s-ha/gcp";
import { HostsControlPlane } from "pulumi-k8s-ha/hosts";
import { k8sHaMocks } from "pulumi-k8s-ha/testing";
import { k8sHaPolicies } from "pulumi-k8s-ha/policy";
import { COMPONENT_PACKAGES } from "pulumi-k8s-ha/provider";

const key = new pulumi.Config().requireSecret("sshPrivateKey");
const host = (name: string, address: string, failureDomain: string) => ({ name, address, user: "ubuntu", privateKey: key, failureDomain });
export const aws = new AwsControlPlane("aws", { clusterName: "aws", adminCidrs: ["203.0.113.7/32"] }).quorum;
export const gcp = new GcpControlPlane("gcp", { clusterName: "gcp", adminCidrs: ["203.0.113.7/32"], region: "europe-west1" }).kubeconfig;
export const hosts = new HostsControlPlane("lab", {
  clusterName: "lab",
  controlPlaneHosts: [host("cp-0", "192.168.10.11", "a"), host("cp-1", "192.168.10.12", "b"), host("cp-2", "192.168.10.13", "c")],
  apiServerEndpoint: "192.168.10.100",
}).nodesByZone;
export const mocks: pulumi.runtime.Mocks = k8sHaMocks({ cloud: "aws" });
export const isArgumentError = (error: unknown): boolean => error instanceof ArgumentError;
export const plan = planTopology;
export const policies: string[] = k8sHaPolicies.map((policy) => policy.name);

// A company stack: the network, the admin ranges and the SSH key come from other stacks' outputs.
const net = new pulumi.StackReference("org/net/prod");
const subnet = (list: string, i: number): pulumi.Output<string> => net.requireOutput(list).apply((ids: string[]) => ids[i]);
export const awsFromStacks = new AwsControlPlane("shared", {
  clusterName: "shared",
  zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcId: net.requireOutput("vpcId"),
  privateSubnetIds: [0, 1, 2].map((i) => subnet("privateSubnetIds", i)),
  publicSubnetIds: [0, 1, 2].map((i) => subnet("publicSubnetIds", i)),
  adminCidrs: [net.requireOutput("adminCidr"), "203.0.113.7/32"],
  apiAllowedCidrs: [net.getOutput("workerCidr")],
  sshPublicKey: net.requireOutput("sshPublicKey"),
  sshPrivateKey: net.requireOutput("sshPrivateKey"),
  extraCertSans: [net.requireOutput("apiDnsName")],
}).nodes;
export const gcpFromStacks = new GcpControlPlane("shared", {
  clusterName: "shared",
  region: "europe-west1",
  network: net.requireOutput("network"),
  subnetwork: net.requireOutput("subnetwork"),
  adminCidrs: [net.requireOutput("adminCidr")],
  sshPublicKey: net.requireOutput("sshPublicKey"),
  sshPrivateKey: net.requireOutput("sshPrivateKey"),
}).quorum;
const inventory = new pulumi.StackReference("org/inventory/lab");
const machine = (name: string, i: number, failureDomain: string) => ({
  name,
  address: inventory.requireOutput("addresses").apply((list: string[]) => list[i]),
  user: inventory.requireOutput("sshUser"),
  privateKey: inventory.requireOutput("sshPrivateKey"),
  failureDomain,
});
export const hostsFromStacks = new HostsControlPlane("shared", {
  clusterName: "shared",
  controlPlaneHosts: [machine("cp-0", 0, "a"), machine("cp-1", 1, "b"), machine("cp-2", 2, "c")],
  apiServerEndpoint: inventory.requireOutput("apiEndpoint"),
  bastion: { host: inventory.requireOutput("bastionAddress"), user: "jump", privateKey: key },
}).workerJoinCommand;
export const packages = Object.keys(COMPONENT_PACKAGES);
`;

/** compilerOptions per module resolution a consumer may use. */
const RESOLUTIONS: Record<string, Record<string, string>> = {
    "commonjs (node10 resolution)": { module: "commonjs", moduleResolution: "node" },
    node16: { module: "node16", moduleResolution: "node16" },
    bundler: { module: "esnext", moduleResolution: "bundler" },
};

let workDir: string;
let consumer: string;
let tarball: string;

beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), "pulumi-k8s-ha-consumer-"));
    tarball = packLibrary(workDir);
    consumer = path.join(workDir, "consumer");
    const dependencies = { "pulumi-k8s-ha": `file:${tarball}`, ...Object.fromEntries(["@pulumi/pulumi", "@pulumi/aws", "@pulumi/gcp", "@pulumi/policy", "typescript", "@types/node"].map((n) => [n, pinned(n)])) };
    mkdirSync(consumer);
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, dependencies }, null, 2));
    writeFileSync(path.join(consumer, "index.ts"), CONSUMER_STACK);
    const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: consumer, encoding: "utf8" });
    if (install.status !== 0) throw new Error(`npm install in the consumer project failed:\n${install.stdout}${install.stderr}`);
});

afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("the tarball ships the entries, the provider packages, LICENSE and CHANGELOG, and not the repository's planner or root program", () => {
    const files = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const expected of ["package/LICENSE", "package/CHANGELOG.md", "package/README.md", "package/dist/index.js", "package/dist/aws/index.d.ts", "package/dist/gcp/index.js", "package/dist/hosts/index.js", "package/dist/testing/index.js", "package/dist/policy/index.js", "package/policy-pack/PulumiPolicy.yaml", "package/policy-pack/index.js", "package/policy-pack/package.json", "package/dist/provider/index.js"]) {
        expect(files).toContain(expected);
    }
    expect(files.filter((file) => /^package\/dist\/(cli|program)\//.test(file))).toEqual([]);
    // the Pulumi packages for other languages: each directory with its plugin manifest, entry and analyzer entry
    for (const name of ["k8s-ha", "k8s-ha-cluster", "k8s-ha-aws", "k8s-ha-gcp"]) {
        for (const file of ["PulumiPlugin.yaml", "package.json", "tsconfig.json", "index.js", "index.ts"]) expect(files).toContain(`package/provider/${name}/${file}`);
    }
    expect(readFileSync(path.join(consumer, "node_modules", "pulumi-k8s-ha", "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
});

test("every source map in the package carries its sources (no pointer at unshipped .ts files)", () => {
    const dist = path.join(consumer, "node_modules", "pulumi-k8s-ha", "dist");
    const maps = (readdirSync(dist, { recursive: true }) as string[]).filter((file) => file.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(20);
    const withoutSources = maps.filter((file) => {
        const map = JSON.parse(readFileSync(path.join(dist, file), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
        return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((content) => !content);
    });
    expect(withoutSources).toEqual([]);
});

test("the installed policy-pack directory serves the pack as the Pulumi CLI starts it (its own directory as working directory)", async () => {
    const packDir = path.join(consumer, "node_modules", "pulumi-k8s-ha", "policy-pack");
    const child = spawn(process.execPath, ["index.js"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    try {
        const firstLine = await new Promise<string>((resolve, reject) => {
            let output = "";
            child.stdout.on("data", (chunk) => {
                output += chunk;
                if (output.includes("\n")) resolve(output.split("\n")[0]);
            });
            child.stderr.on("data", (chunk) => (output += chunk));
            child.on("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${output}`)));
        });
        // the analyzer's gRPC port, which the CLI reads to connect
        expect(firstLine).toMatch(/^\d+$/);
    } finally {
        child.kill();
    }
});

test.each(Object.keys(RESOLUTIONS))("a consumer stack using every entry type-checks with %s", (resolution) => {
    const tsconfig = `tsconfig.${resolution.split(" ")[0]}.json`;
    const compilerOptions = { ...RESOLUTIONS[resolution], target: "ES2022", strict: true, noEmit: true, types: ["node"], skipLibCheck: false, esModuleInterop: true };
    writeFileSync(path.join(consumer, tsconfig), JSON.stringify({ compilerOptions, files: ["index.ts"] }, null, 2));
    const tsc = spawnSync(path.join(consumer, "node_modules", ".bin", "tsc"), ["-p", tsconfig], { cwd: consumer, encoding: "utf8" });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.status).toBe(0);
});
