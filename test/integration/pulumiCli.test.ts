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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { k8sHaMocks } from "../../src/testing";
import { type Registration, settle } from "../unit/support/recordingMocks";
import { createPulumiProject, packLibrary, type PulumiProject } from "./harness/pulumiProject";

jest.setTimeout(600_000);

/** Resources of a cloud, tls, random or command provider, without the library's and Pulumi's components. */
const withoutComponents = (typedNames: string[]): string[] => typedNames.filter((entry) => !/^(pulumi|pulumi-k8s-ha):/.test(entry));

/** `type::name` of every step of a `pulumi preview --json` of a new stack (which creates everything). */
function createdInPreview(json: string): string[] {
    const steps = (JSON.parse(json) as { steps: { op: string; urn: string }[] }).steps;
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
        expect(preview.code).toBe(0);
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
        expect(preview.code).toBe(0);
        const previewed = createdInPreview(preview.output);
        const mocked = await registeredUnderMocks(example, cloud, [regionSetting], { clusterName, adminCidrs, apiAllowedCidrs: adminCidrs });
        expect(withoutComponents(previewed).sort()).toEqual(withoutComponents(mocked).sort());
    });
});
