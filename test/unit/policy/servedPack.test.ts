/**
 * The shipped pack directory (`policy-pack/`) served the way the Pulumi CLI runs it: its `index.js` in a Node process
 * of its own with the directory as working directory (so the version comes from its `package.json`), spoken to over
 * the analyzer gRPC protocol the engine uses. Here `pulumi-k8s-ha/policy` resolves to the sources (transpiled on the
 * fly); `test/integration/packageInstall.test.ts` loads the same directory from the installed tarball.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { parse } from "yaml";

jest.setTimeout(60_000);

const ROOT = join(__dirname, "..", "..", "..");
const PACK_DIR = join(ROOT, "policy-pack");
const { ADVISORY, MANDATORY } = analyzerPb.EnforcementLevel;

/** Runs policy-pack/index.js with `pulumi-k8s-ha/policy` mapped to src/policy; resolves with the port it prints. */
function servePack(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const ts = require("typescript");
    const fs = require("fs");
    const Module = require("module");
    require.extensions[".ts"] = (module, file) => {
      const out = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      module._compile(out.outputText, file);
    };
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      return resolve.call(this, request === "pulumi-k8s-ha/policy" ? ${JSON.stringify(join(ROOT, "src", "policy"))} : request, ...rest);
    };
    require(${JSON.stringify(join(PACK_DIR, "index.js"))});
  `;
  const child = spawn(process.execPath, ["-e", script], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const line = stdout.split("\n");
      if (line.length > 1) resolve({ child, port: Number(line[0]) });
    });
    child.on("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${stdout}${stderr}`)));
  });
}

/** A unary call as a promise. */
function call<Res>(invoke: (callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

/** What the engine sends to analyze one resource's inputs. */
function analyzeRequest(type: string, name: string, props: Record<string, unknown>): analyzerPb.AnalyzeRequest {
  return new analyzerPb.AnalyzeRequest().setType(type).setName(name).setUrn(`urn:pulumi:prod::app::${type}::${name}`).setProperties(structPb.Struct.fromJavaScript(props as never))
    .setOptions(new analyzerPb.AnalyzerResourceOptions());
}

let served: { child: ChildProcess; port: number };
let client: analyzerGrpc.AnalyzerClient;

beforeAll(async () => {
  served = await servePack();
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  if (served?.child.pid) process.kill(served.child.pid);
});

const SSH_FROM_WORLD = { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" };
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

test("the directory is a Node.js policy pack whose version is the library's", () => {
  expect(parse(readFileSync(join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const pack = JSON.parse(readFileSync(join(PACK_DIR, "package.json"), "utf8"));
  expect(pack.version).toBe(root.version);
  expect(pack.dependencies).toEqual({ "@pulumi/policy": root.peerDependencies["@pulumi/policy"], "@pulumi/pulumi": root.peerDependencies["@pulumi/pulumi"], "pulumi-k8s-ha": `^${root.version}` });
  expect(root.files).toContain("policy-pack");
});

test("the served pack names its seven rules, every one advisory by default", async () => {
  const info = await call<analyzerPb.AnalyzerInfo>((done) => client.getAnalyzerInfo(new emptyPb.Empty(), done));
  expect([info.getName(), info.getVersion(), info.getSupportsconfig()]).toEqual(["pulumi-k8s-ha", "0.1.0", true]);
  expect(info.getPoliciesList().map((policy) => [policy.getName(), policy.getEnforcementlevel()])).toEqual([
    ["k8s-ha-etcd-quorum-zone-safe", ADVISORY],
    ["k8s-ha-no-admin-ports-open-to-internet", ADVISORY],
    ["k8s-ha-api-open-to-internet-only-when-allowed", ADVISORY],
    ["k8s-ha-volumes-encrypted", ADVISORY],
    ["k8s-ha-imdsv2-required", ADVISORY],
    ["k8s-ha-production-etcd-backups", ADVISORY],
    ["k8s-ha-certificates-not-expiring", ADVISORY],
  ]);
});

test("SSH open to the world is an advisory violation; configured mandatory it is mandatory; the config's ports are honoured", async () => {
  const diagnostics = async () =>
    (await call<analyzerPb.AnalyzeResponse>((done) => client.analyze(analyzeRequest(INGRESS, "ssh", SSH_FROM_WORLD), done))).getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]);
  expect(await diagnostics()).toEqual([["k8s-ha-no-admin-ports-open-to-internet", ADVISORY, expect.stringContaining(`${INGRESS} ssh opens TCP port 22 to 0.0.0.0/0.`)]]);

  // what the CLI sends for a policy config file {"k8s-ha-no-admin-ports-open-to-internet": "mandatory"}
  const configure = (level: analyzerPb.EnforcementLevel, properties: Record<string, unknown>) => {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    request.getPolicyconfigMap().set("k8s-ha-no-admin-ports-open-to-internet", new analyzerPb.PolicyConfig().setEnforcementlevel(level).setProperties(structPb.Struct.fromJavaScript(properties as never)));
    return call<emptyPb.Empty>((done) => client.configure(request, done));
  };
  await configure(MANDATORY, {});
  expect(await diagnostics()).toEqual([["k8s-ha-no-admin-ports-open-to-internet", MANDATORY, expect.stringContaining("opens TCP port 22")]]);
  await configure(MANDATORY, { ports: [2379, 2380] });
  expect(await diagnostics()).toEqual([]);
});

test("a stack whose cluster loses quorum with a zone is reported against the component's URN", async () => {
  const plan = {
    etcdTopology: "stacked",
    zones: ["a", "b"],
    nodes: ["a", "a", "b"].map((zone, index) => ({ name: `cp-${index}`, role: "control-plane", zone, index, etcdVoter: true })),
  };
  const component = new analyzerPb.AnalyzerResource()
    .setType("pulumi-k8s-ha:hosts:HostsControlPlane")
    .setName("lab")
    .setUrn("urn:pulumi:dev::app::pulumi-k8s-ha:hosts:HostsControlPlane::lab")
    .setProperties(structPb.Struct.fromJavaScript({ plan } as never))
    .setOptions(new analyzerPb.AnalyzerResourceOptions());
  const response = await call<analyzerPb.AnalyzeResponse>((done) => client.analyzeStack(new analyzerPb.AnalyzeStackRequest().setResourcesList([component]), done));
  expect(response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getEnforcementlevel(), d.getUrn(), d.getMessage()])).toEqual([
    ["k8s-ha-etcd-quorum-zone-safe", ADVISORY, component.getUrn(), expect.stringContaining("pulumi-k8s-ha:hosts:HostsControlPlane lab: 3 voters in 2 zones (a: 2, b: 1) do not survive losing a zone")],
  ]);
});
