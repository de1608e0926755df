/**
 * The examples as a user runs them: copied out of the repository, installed from the packed library, and run by
 * the real `pulumi` CLI and engine with the real Node.js language host (both built from their Go modules).
 *
 * What runs here is everything before the first provider call: how the language host loads a standalone
 * TypeScript project, stack configuration and secrets, and the library's preview-time validation under the
 * real engine. The command, tls and random provider plugins cannot be built here (the Go module proxy serves
 * none of their provider modules), so no example gets as far as creating a resource; see the README.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks } from "../../src/testing";
import { type Registration, settle } from "../unit/support/recordingMocks";
import { createPulumiProject, packLibrary, type PulumiProject } from "./harness/pulumiProject";

jest.setTimeout(600_000);

/** Resources of a cloud, tls, random or command provider, without the library's and Pulumi's components. */
const withoutComponents = (typedNames: string[]): string[] => typedNames.filter((entry) => !/^(pulumi|pulumi-k8s-ha):/.test(entry));

/** `type::name` of every step of a `pulumi preview --json` of a new stack (which creates everything but reads its stack references). */
function createdInPreview(json: string): string[] {
    const steps = (JSON.parse(json) as { steps: { op: string; urn: string }[] }).steps.filter((step) => !(step.op === "read" && step.urn.includes("::pulumi:pulumi:StackReference::")));
    expect(steps.filter((step) => step.op !== "create")).toEqual([]);
    return steps.map((step) => {
        const parts = step.urn.split("::");
        return `${parts[2].split("$").pop()}::${parts[3]}`;
    });
}

/** `type::name` of every resource the example's program registers under the library's unit-test mocks, with `settings` ("aws:region: eu-west-1"). */
async function registeredUnderMocks(example: string, cloud: "aws" | "gcp" | undefined, settings: string[], config: object): Promise<string[]> {
    for (const setting of settings) pulumi.runtime.setConfig(setting.split(": ")[0], setting.split(": ")[1]);
    const registered: Registration[] = [];
    const record = (args: pulumi.runtime.MockResourceArgs): number => registered.push({ type: args.type, name: args.name, inputs: args.inputs, arrived: registered.length });
    await pulumi.runtime.setMocks(k8sHaMocks({ cloud, onResource: record }), example, "e2e", false);
    const program = (await import(`../../examples/${example}/program`)) as { stack(config: object): Record<string, pulumi.Output<unknown>> };
    await Promise.all(Object.values(program.stack(config)).map((output) => new Promise((resolve) => output.apply(resolve))));
    // the components' last registrations finish after the outputs: wait for them before the next setMocks
    await settle(registered);
    return registered.map((registration) => `${registration.type}::${registration.name}`);
}

const host = (name: string, address: string, failureDomain: string): string =>
    `    - { name: ${name}, address: ${address}, user: root, failureDomain: ${failureDomain} }`;

let packDir: string;
let tarball: string;
const projects: PulumiProject[] = [];

beforeAll(() => {
    packDir = mkdtempSync(path.join(tmpdir(), "pulumi-k8s-ha-pack-"));
    tarball = packLibrary(packDir);
});

afterAll(() => {
    for (const project of projects) project.remove();
    if (packDir) rmSync(packDir, { recursive: true, force: true });
});

function project(example: string): PulumiProject {
    const created = createPulumiProject(example, tarball);
    projects.push(created);
    return created;
}

describe("examples/own-hosts under the real CLI", () => {
    let ownHosts: PulumiProject;
    const sshKey = `-----BEGIN OPENSSH PRIVATE KEY-----\nE2E-${Date.now()}-NOT-A-REAL-KEY\n-----END OPENSSH PRIVATE KEY-----`;

    beforeAll(() => {
        ownHosts = project("own-hosts");
    });

    test("the standalone project type-checks against the packed library (imports pulumi-k8s-ha/hosts, not ../../src)", () => {
        const tsc = path.join(ownHosts.dir, "node_modules", ".bin", "tsc");
        const result = spawnSync(tsc, ["-p", ownHosts.dir], { encoding: "utf8" });
        expect(`${result.stdout}${result.stderr}`).toBe("");
        expect(result.status).toBe(0);
    });

    test("preview without configuration fails naming the missing key", () => {
        const preview = ownHosts.pulumi(["preview"]);
        expect(preview.code).not.toBe(0);
        expect(preview.output).toContain("Missing required configuration variable 'own-hosts:controlPlaneHosts'");
    });

    test("a quorum-breaking plan is refused by `pulumi up` naming the field, nothing is created, the SSH key stays encrypted", () => {
        const setKey = ownHosts.pulumi(["config", "set", "--secret", "sshPrivateKey"], sshKey);
        expect(setKey.output).not.toContain("E2E-");
        expect(setKey.code).toBe(0);
        // the host list last: the next test appends a third host to it
        ownHosts.writeConfig(["own-hosts:apiServerEndpoint: 10.219.0.9", "own-hosts:controlPlaneHosts:", host("cp-0", "10.219.0.1", "rack-a"), host("cp-1", "10.219.0.2", "rack-b")]);

        const up = ownHosts.pulumi(["up", "--yes"]);
        expect(up.code).not.toBe(0);
        expect(up.output).toContain("HostsControlPlane own-hosts: controlPlaneHosts: 2 is even; etcd needs an odd number of voters. Use 1 or 3.");

        const state = JSON.parse(ownHosts.exportState()) as { deployment: { resources?: unknown[]; secrets_providers?: { type: string } } };
        expect(state.deployment.resources ?? []).toEqual([]);
        expect(state.deployment.secrets_providers?.type).toBe("passphrase");
        for (const text of [up.output, ownHosts.stackSettings(), JSON.stringify(state)]) expect(text).not.toContain("E2E-");
        expect(ownHosts.stackSettings()).toMatch(/own-hosts:sshPrivateKey:\n\s+secure: v1:/);
    });

    test("with 3 control planes the real engine previews every resource the mocks register, the SSH key masked everywhere", async () => {
        ownHosts.writeConfig([host("cp-2", "10.219.0.3", "rack-c")]);
        ownHosts.installStandInProviders(["tls", "random", "command"]);
        const preview = ownHosts.pulumi(["preview", "--json", "--show-secrets=false"]);
        expect({ code: preview.code, output: preview.code === 0 ? "" : preview.output }).toEqual({ code: 0, output: "" });
        expect(preview.output).not.toContain("E2E-");
        expect(preview.output).toContain("[secret]");
        const hosts = ["cp-0", "cp-1", "cp-2"].map((name, i) => ({ name, address: `10.219.0.${i + 1}`, user: "root", failureDomain: `rack-${"abc"[i]}` }));
        const mocked = await registeredUnderMocks("own-hosts", undefined, [], {
            clusterName: "own-hosts",
            controlPlaneHosts: hosts,
            apiServerEndpoint: "10.219.0.9",
            sshPrivateKey: pulumi.secret(sshKey),
        });
        expect(withoutComponents(createdInPreview(preview.output)).sort()).toEqual(withoutComponents(mocked).sort());
    });

    test("the configured secret reaches the program: `pulumi config get` decrypts it with the stack's passphrase", () => {
        const got = ownHosts.pulumi(["config", "get", "sshPrivateKey"]);
        expect(got.code).toBe(0);
        expect(got.output.trim()).toBe(sshKey);
    });

    test("against the record of the last update, the real engine refuses a minor skip and a downgrade at preview, naming kubernetesVersion", () => {
        // The state an update at 1.33.6 leaves: the record (with its serialized provider, as the preview computes
        // it), its default provider and its parents; taken from the preview's own planned states.
        const planned = (JSON.parse(ownHosts.pulumi(["preview", "--json", "--show-secrets=false"]).output) as { steps: { urn: string; newState?: Record<string, unknown> }[] }).steps;
        const record = planned.find((step) => step.urn.endsWith("pulumi-nodejs:dynamic:Resource::own-hosts-control-plane-record"))?.newState;
        expect(record).toBeDefined();
        const providerUrn = String(record!.provider ?? "").split("::").slice(0, -1).join("::") || "urn:pulumi:e2e::own-hosts::pulumi:providers:pulumi-nodejs::default";
        const keep = (urn: string) => /pulumi:pulumi:Stack::|::pulumi-k8s-ha:hosts:HostsControlPlane::own-hosts$|KubeadmControlPlane::own-hosts-control-plane$/.test(urn);
        const parents = planned.filter((step) => keep(step.urn)).map((step) => ({ urn: step.urn, custom: false, type: step.newState?.type, parent: step.newState?.parent }));
        const inputs = { ...(record!.inputs as Record<string, unknown>), kubernetesVersion: "1.33.6" };
        const state = JSON.parse(ownHosts.exportState()) as { deployment: { resources?: unknown[] } };
        state.deployment.resources = [
            ...parents,
            { urn: providerUrn, custom: true, id: "e2e-provider", type: "pulumi:providers:pulumi-nodejs", inputs: {}, outputs: {} },
            { urn: record!.urn, custom: true, id: "cluster-record", type: "pulumi-nodejs:dynamic:Resource", parent: record!.parent, provider: `${providerUrn}::e2e-provider`, inputs, outputs: inputs },
        ];
        const file = path.join(ownHosts.dir, "recorded-1.33.6.json");
        writeFileSync(file, JSON.stringify(state));
        const imported = ownHosts.pulumi(["stack", "import", "--file", file]);
        expect(imported.output).toContain("Import complete.");

        const previewAt = (version: string) => {
            expect(ownHosts.pulumi(["config", "set", "kubernetesVersion", version]).code).toBe(0);
            return ownHosts.pulumi(["preview", "--show-secrets=false"]);
        };
        const skip = previewAt("1.35.0");
        expect(skip.code).not.toBe(0);
        expect(skip.output).toContain("kubernetesVersion");
        expect(skip.output).toContain("the cluster runs 1.33.6 (recorded by the last successful update); kubeadm upgrades one minor at a time: set kubernetesVersion to 1.34.x first, run the update, then 1.35.0.");
        const downgrade = previewAt("1.32.9");
        expect(downgrade.code).not.toBe(0);
        expect(downgrade.output).toContain('1.32.9 would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to "1.33.6".');
        // The next minor is an upgrade the preview accepts: the record is to change.
        const next = previewAt("1.34.2");
        expect(next.output).not.toContain("recorded by the last successful update");
        expect(next.code).toBe(0);
        for (const text of [skip.output, downgrade.output, next.output]) expect(text).not.toContain("E2E-");
    });
});

/** A company stack: the machines' addresses and the API endpoint come from the inventory stack's outputs. */
const INVENTORY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { HostsControlPlane } from "pulumi-k8s-ha/hosts";

const config = new pulumi.Config();
const inventory = new pulumi.StackReference("organization/own-hosts/inventory");
const addresses = inventory.requireOutput("addresses");
const cluster = new HostsControlPlane("lab", {
  clusterName: "lab",
  controlPlaneHosts: ["cp-0", "cp-1", "cp-2"].map((name, i) => ({
    name,
    address: addresses.apply((list: string[]) => list[i]),
    user: "root",
    privateKey: config.requireSecret("sshPrivateKey"),
    failureDomain: \`rack-\${"abc"[i]}\`,
  })),
  apiServerEndpoint: inventory.requireOutput("apiEndpoint"),
});
export const nodes = cluster.nodes;
`;

describe("own hosts whose addresses another stack exports (StackReference), under the real CLI", () => {
    let lab: PulumiProject;
    const sshKey = `-----BEGIN OPENSSH PRIVATE KEY-----\nE2E-${Date.now()}-NOT-A-REAL-KEY\n-----END OPENSSH PRIVATE KEY-----`;
    const goodAddresses = ["10.219.0.1", "10.219.0.2", "10.219.0.3"];

    /** Makes the `inventory` stack of the same backend export `addresses` (its state imported: it needs no program). */
    const exportFromInventory = (addresses: string[]): void => {
        const deployment = {
            version: 3,
            deployment: {
                manifest: { time: new Date().toISOString(), magic: "", version: "" },
                resources: [{ urn: "urn:pulumi:inventory::own-hosts::pulumi:pulumi:Stack::own-hosts-inventory", custom: false, type: "pulumi:pulumi:Stack", outputs: { addresses, apiEndpoint: "10.219.0.9" } }],
            },
        };
        const file = path.join(lab.dir, "inventory.json");
        writeFileSync(file, JSON.stringify(deployment));
        const imported = lab.pulumi(["stack", "import", "--stack", "inventory", "--file", file]);
        expect(imported.output).toContain("Import complete.");
    };

    beforeAll(() => {
        lab = project("own-hosts");
        writeFileSync(path.join(lab.dir, "index.ts"), INVENTORY_PROGRAM);
        expect(lab.pulumi(["config", "set", "--secret", "sshPrivateKey"], sshKey).code).toBe(0);
        expect(lab.pulumi(["stack", "init", "inventory"]).code).toBe(0);
        expect(lab.pulumi(["stack", "select", "e2e"]).code).toBe(0);
        lab.installStandInProviders(["tls", "random", "command"]);
    });

    test("the real engine previews every step the same addresses given plainly register, reading them in the preview", async () => {
        exportFromInventory(goodAddresses);
        const preview = lab.pulumi(["preview", "--json", "--show-secrets=false"]);
        expect({ code: preview.code, output: preview.code === 0 ? "" : preview.output }).toEqual({ code: 0, output: "" });
        expect(preview.output).not.toContain("E2E-");
        const hosts = ["cp-0", "cp-1", "cp-2"].map((name, i) => ({ name, address: goodAddresses[i], user: "root", failureDomain: `rack-${"abc"[i]}` }));
        const mocked = await registeredUnderMocks("own-hosts", undefined, [], { clusterName: "lab", controlPlaneHosts: hosts, apiServerEndpoint: "10.219.0.9", sshPrivateKey: pulumi.secret(sshKey) });
        expect(withoutComponents(createdInPreview(preview.output)).sort()).toEqual(withoutComponents(mocked).sort());
    });

    test("a wrong address in the other stack is refused by the preview and by `pulumi up`, naming the field; no step is created", () => {
        exportFromInventory(["10.219.0.1", "10.219.0.2", "10.219.0.1"]);
        const refusal = "HostsControlPlane lab: controlPlaneHosts[2].address: 10.219.0.1 is also controlPlaneHosts[0] (cp-0).";
        const preview = lab.pulumi(["preview"]);
        expect(preview.code).not.toBe(0);
        expect(preview.output).toContain(refusal);
        const up = lab.pulumi(["up", "--yes"]);
        expect(up.code).not.toBe(0);
        expect(up.output).toContain(refusal);
        const state = JSON.parse(lab.exportState()) as { deployment: { resources?: { type: string }[] } };
        const created = (state.deployment.resources ?? []).map((resource) => resource.type);
        expect(created.filter((type) => !/^pulumi:pulumi:|^pulumi:providers:|^pulumi-k8s-ha:hosts:HostsControlPlane$/.test(type))).toEqual([]);
        for (const text of [preview.output, up.output, JSON.stringify(state)]) expect(text).not.toContain("E2E-");
        // reported as the component's error, like a plain argument's: no "unhandled exception", no stack trace
        for (const text of [preview.output, up.output]) expect(text).not.toMatch(/unhandled|\n\s+at /);
    });
});

describe.each<[string, "aws" | "gcp", string]>([
    ["aws-stacked", "aws", "aws:region: eu-west-1"],
    ["gcp-stacked", "gcp", "gcp:region: europe-west1"],
])("examples/%s under the real CLI", (example, cloud, regionSetting) => {
    let project_: PulumiProject;
    const clusterName = `${cloud}-e2e`;

    beforeAll(() => {
        project_ = project(example);
        project_.writeConfig([regionSetting, `${example}:clusterName: ${clusterName}`]);
    });

    test("without adminCidrs, preview fails with the library's error naming it (no look-up of the caller's address)", () => {
        const preview = project_.pulumi(["preview"]);
        expect(preview.code).not.toBe(0);
        expect(preview.output).toMatch(new RegExp(`HaControlPlane ${clusterName}: adminCidrs:? is empty`));
        expect(preview.output).not.toMatch(/checkip|ipify/);
    });

    test("with adminCidrs, the real engine previews every resource the unit-test mocks register, each a create", async () => {
        const adminCidrs = ["203.0.113.7/32"];
        project_.writeConfig([`${example}:adminCidrs: ${JSON.stringify(adminCidrs)}`]);
        project_.installStandInProviders([cloud, "tls", "random", "command"]);
        const preview = project_.pulumi(["preview", "--json"]);
        expect({ code: preview.code, output: preview.code === 0 ? "" : preview.output }).toEqual({ code: 0, output: "" });
        const previewed = createdInPreview(preview.output);
        const mocked = await registeredUnderMocks(example, cloud, [regionSetting], { clusterName, adminCidrs, apiAllowedCidrs: adminCidrs });
        expect(withoutComponents(previewed).sort()).toEqual(withoutComponents(mocked).sort());
    });
});
