/**
 * The components from another Pulumi language: examples/own-hosts-yaml, a Pulumi YAML program, under the real CLI
 * with Pulumi YAML's language host (both built from their Go modules, test/testbed/build-upstream.sh), using
 * HostsControlPlane through the library's `k8s-ha` package (provider/k8s-ha, served by the analyzer's schema).
 *
 * What runs: `pulumi package get-schema` and `pulumi package add` against the package's plugin, then a preview
 * in which the engine asks the plugin to construct the component and the component registers its children. The
 * command, tls and random provider plugins cannot be built here (the Go module proxy serves none of them), so
 * previews use the stand-in plugins of harness/standInProvider.js and nothing is created; see the README.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks } from "../../src/testing";
import { type Registration, settle } from "../unit/support/recordingMocks";
import { createPulumiProject, packLibrary, type PulumiProject } from "./harness/pulumiProject";
import { upstreamBinary } from "./harness/upstreamCache";

jest.setTimeout(600_000);

const STACK = "e2e";
const SSH_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\nYAML-E2E-${Date.now()}-NOT-A-REAL-KEY\n-----END OPENSSH PRIVATE KEY-----`;
const ADDRESSES = ["10.219.1.1", "10.219.1.2", "10.219.1.3"];

/** `type::name` of every step of a `pulumi preview --json` of a new stack (each a create), without the stack itself. */
function createdInPreview(json: string): string[] {
    const steps = (JSON.parse(json) as { steps: { op: string; urn: string }[] }).steps;
    expect(steps.filter((step) => step.op !== "create")).toEqual([]);
    return steps.map((step) => `${step.urn.split("::")[2].split("$").pop()}::${step.urn.split("::")[3]}`).filter((entry) => !entry.startsWith("pulumi:pulumi:Stack::"));
}

/** `type::name` of every resource a TypeScript program's HostsControlPlane with the same arguments registers under the unit-test mocks. */
async function registeredUnderMocks(): Promise<string[]> {
    const registered: Registration[] = [];
    const record = (args: pulumi.runtime.MockResourceArgs): number => registered.push({ type: args.type, name: args.name, inputs: args.inputs, arrived: registered.length });
    await pulumi.runtime.setMocks(k8sHaMocks({ onResource: record }), "own-hosts-yaml", STACK, false);
    const { HostsControlPlane } = await import("../../src/hosts");
    const cluster = new HostsControlPlane("cluster", {
        clusterName: "own-hosts-yaml",
        apiServerEndpoint: "10.219.1.9",
        controlPlaneHosts: ADDRESSES.map((address, i) => ({ name: `cp-${i}`, address, user: "root", privateKey: pulumi.secret(SSH_KEY), failureDomain: `rack-${"abc"[i]}` })),
    });
    await new Promise((resolve) => cluster.quorum.apply(resolve));
    await settle(registered);
    return registered.map((registration) => `${registration.type}::${registration.name}`);
}

let packDir: string;
let project: PulumiProject;
let plugin: string;

beforeAll(() => {
    packDir = mkdtempSync(path.join(tmpdir(), "pulumi-k8s-ha-pack-"));
    project = createPulumiProject("own-hosts-yaml", packLibrary(packDir), STACK, { languageHosts: [upstreamBinary("yaml-host", undefined, "pulumi-language-yaml")] });
    plugin = project.installComponentPackage("k8s-ha");
});

afterAll(() => {
    project?.remove();
    if (packDir) rmSync(packDir, { recursive: true, force: true });
});

test("the CLI reads the package's schema from its plugin: HostsControlPlane with its documented inputs, kubeconfig secret", () => {
    const got = project.pulumi(["package", "get-schema", plugin]);
    expect(got.code).toBe(0);
    const schema = JSON.parse(got.output) as { name: string; resources: Record<string, { inputProperties: Record<string, { description?: string }>; properties: Record<string, { secret?: boolean }> }> };
    expect(schema.name).toBe("k8s-ha");
    expect(Object.keys(schema.resources)).toEqual(["k8s-ha:index:HostsControlPlane"]);
    const resource = schema.resources["k8s-ha:index:HostsControlPlane"];
    expect(resource.inputProperties.clusterName.description).toBe("Cluster name: a DNS label of at most 40 characters.");
    expect(resource.properties.kubeconfig.secret).toBe(true);
});

test("`pulumi package add` generates the YAML SDK (the package declaration); YAML host v1.25.0 cannot link it into Pulumi.yaml", () => {
    const added = project.pulumi(["package", "add", plugin]);
    expect(added.output).toContain("Successfully generated an SDK for the k8s-ha package");
    expect(readFileSync(path.join(project.dir, "sdks", "k8s-ha", "k8s-ha-0.1.0.yaml"), "utf8")).toBe("packageDeclarationVersion: 1\nname: k8s-ha\nversion: 0.1.0\n");
    // Link (which records the package under `packages:` of Pulumi.yaml) is not implemented by this YAML host;
    // the installed plugin is what the program's `k8s-ha:HostsControlPlane` resolves to.
    expect({ failed: added.code !== 0, linked: added.output.includes("linking package: method Link not implemented") }).toEqual({ failed: true, linked: true });
});

test("a YAML program missing a setting is refused at preview naming the key, the SSH key never shown", () => {
    project.writeConfig(["own-hosts-yaml:apiServerEndpoint: 10.219.1.9", `own-hosts-yaml:cp0Address: ${ADDRESSES[0]}`, `own-hosts-yaml:cp1Address: ${ADDRESSES[1]}`]);
    expect(project.pulumi(["config", "set", "--secret", "sshPrivateKey"], SSH_KEY).code).toBe(0);
    project.installStandInProviders(["tls", "random", "command"]);
    // cp2Address missing: the program fails before the component is constructed
    const missing = project.pulumi(["preview"]);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain("cp2Address");
    expect(missing.output).not.toContain("YAML-E2E-");
});

test("an argument the library refuses fails the YAML preview with the library's message, naming the component and the field", () => {
    project.writeConfig([`own-hosts-yaml:cp2Address: ${ADDRESSES[2]}`]);
    expect(project.pulumi(["config", "set", "apiServerEndpoint", "https://10.219.1.9:6443"]).code).toBe(0);
    const refused = project.pulumi(["preview"]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(
        'HostsControlPlane cluster: apiServerEndpoint: "https://10.219.1.9:6443" is not a host name or IP address. Give it without scheme or port (the port is apiServerPort), e.g. "api.example.internal".',
    );
    expect(refused.output).not.toContain("YAML-E2E-");
    expect(project.pulumi(["config", "set", "apiServerEndpoint", "10.219.1.9"]).code).toBe(0);
});

test("the real engine previews through the YAML program every resource HostsControlPlane registers in TypeScript, the SSH key masked", async () => {
    const preview = project.pulumi(["preview", "--json", "--show-secrets=false"]);
    expect({ code: preview.code, output: preview.code === 0 ? "" : preview.output }).toEqual({ code: 0, output: "" });
    expect(preview.output).not.toContain("YAML-E2E-");
    const previewed = createdInPreview(preview.output);
    // the component keeps the type token of the TypeScript class; the program's resource name is its name
    expect(previewed).toContain("pulumi-k8s-ha:hosts:HostsControlPlane::cluster");
    expect(previewed.filter((entry) => entry.startsWith("command:remote:Command::")).length).toBeGreaterThan(20);
    expect(previewed.sort()).toEqual((await registeredUnderMocks()).sort());
});
