/**
 * The test bed's own shell (test/testbed/*.sh, test/hosts/*.sh) and the README's scripts (scripts/*.sh) pass
 * `shellcheck -S warning`, and the flannel CNI plugin
 * (test/testbed/flannel-cni.sh) builds the delegate configuration flannel-io/cni-plugin builds. The plugin runs
 * here with a fake `bridge` delegate that records what it was given: no root, no network namespace (the real
 * bridge/host-local run is in test/testbed/check-images.sh).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const TESTBED = path.join(__dirname, "../../../test/testbed");
const PLUGIN = path.join(TESTBED, "flannel-cni.sh");

function shellcheck(file: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", file], { encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const HOSTS = path.join(__dirname, "../../../test/hosts");
const shellFiles = fs.readdirSync(TESTBED).filter((f) => f.endsWith(".sh"));
const hostScripts = fs.readdirSync(HOSTS).filter((f) => f.endsWith(".sh"));

test("the test bed has its image tool, image check, CNI plugin and both kinds of host", () => {
  expect(shellFiles).toEqual(expect.arrayContaining(["images.sh", "check-images.sh", "flannel-cni.sh", "build-upstream.sh"]));
  expect(hostScripts).toEqual(expect.arrayContaining(["hosts.sh", "kind-hosts.sh"]));
});

test.each(shellFiles)("test/testbed/%s passes shellcheck -S warning", (file) => {
  expect(shellcheck(path.join(TESTBED, file))).toEqual({ status: 0, output: "" });
});

// kind-hosts.sh sources hosts.sh, and test.sh sources setup.sh: shellcheck follows them from the repository root
// (-x with their source= paths).
const REPO = path.join(HOSTS, "../..");
const repositoryScripts = [
  ...hostScripts.map((file) => path.join("test/hosts", file)),
  ...fs.readdirSync(path.join(REPO, "scripts")).filter((f) => f.endsWith(".sh")).map((file) => path.join("scripts", file)),
];
test.each(repositoryScripts)("%s passes shellcheck -S warning", (file) => {
  const result = spawnSync("shellcheck", ["-x", "-S", "warning", file], { encoding: "utf8", cwd: REPO });
  expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: "" });
});

describe("flannel CNI plugin (with a recording fake delegate)", () => {
  let dir: string;
  const SUBNET_ENV = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flannel-cni-"));
    fs.mkdirSync(path.join(dir, "bin"));
    // the fake delegate: records its command and stdin, answers like a plugin
    fs.writeFileSync(
      path.join(dir, "bin", "bridge"),
      `#!/bin/sh\ncat > "${dir}/delegate-$CNI_COMMAND.json"\necho '{"cniVersion":"0.3.1","ips":[]}'\nexit "\${FAKE_EXIT:-0}"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, "subnet.env"), SUBNET_ENV);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** flannel.yaml's plugin config as libcni passes it, with subnetFile/dataDir (upstream keys) under dir. */
  const conf = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      cniVersion: "0.3.1",
      dataDir: path.join(dir, "data"),
      delegate: { hairpinMode: true, isDefaultGateway: true },
      name: "cbr0",
      subnetFile: path.join(dir, "subnet.env"),
      type: "flannel",
      ...extra,
    });
  const run = (command: string, input: string, env: Record<string, string> = {}) =>
    spawnSync(PLUGIN, [], {
      input,
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", CNI_COMMAND: command, CNI_CONTAINERID: "c1", CNI_IFNAME: "eth0",
        CNI_NETNS: "/proc/self/ns/net", CNI_PATH: `/nonexistent:${dir}/bin`, ...env },
    });
  const delegated = (command: string) => JSON.parse(fs.readFileSync(path.join(dir, `delegate-${command}.json`), "utf8"));

  test("ADD delegates to bridge with host-local IPAM for FLANNEL_SUBNET's network and saves the config", () => {
    const result = run("ADD", conf());
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('{"cniVersion":"0.3.1","ips":[]}');
    const expected = {
      name: "cbr0", cniVersion: "0.3.1", type: "bridge", hairpinMode: true, isDefaultGateway: true,
      ipMasq: false, mtu: 1450, isGateway: true,
      ipam: { type: "host-local", ranges: [[{ subnet: "10.244.3.0/24" }]], routes: [{ dst: "10.244.0.0/16" }] },
    };
    expect(delegated("ADD")).toEqual(expected);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "data", "c1"), "utf8"))).toEqual(expected);
  });

  test("ADD keeps what the delegate and ipam set, appends flannel's route; FLANNEL_IPMASQ=false asks for ipMasq", () => {
    fs.writeFileSync(path.join(dir, "subnet.env"), SUBNET_ENV.replace("FLANNEL_IPMASQ=true", "FLANNEL_IPMASQ=false"));
    const pretty = JSON.stringify(
      JSON.parse(conf({ delegate: { mtu: 1400, name: "ignored", nested: { type: "x" } }, ipam: { dataDir: "/x", routes: [{ dst: "10.1.0.0/16" }] } })),
      null, 2);
    expect(run("ADD", pretty).status).toBe(0);
    expect(delegated("ADD")).toEqual({
      name: "cbr0", cniVersion: "0.3.1", type: "bridge", mtu: 1400, nested: { type: "x" }, ipMasq: true, isGateway: true,
      ipam: { dataDir: "/x", type: "host-local", ranges: [[{ subnet: "10.244.3.0/24" }]], routes: [{ dst: "10.1.0.0/16" }, { dst: "10.244.0.0/16" }] },
    });
  });

  test("DEL delegates the saved config and removes it only when the delegate succeeded; nothing saved is success", () => {
    expect(run("ADD", conf()).status).toBe(0);
    expect(run("DEL", conf(), { FAKE_EXIT: "1" }).status).toBe(1);
    expect(fs.existsSync(path.join(dir, "data", "c1"))).toBe(true);
    expect(run("DEL", conf()).status).toBe(0);
    expect(delegated("DEL")).toEqual(delegated("ADD"));
    expect(fs.existsSync(path.join(dir, "data", "c1"))).toBe(false);
    fs.rmSync(path.join(dir, "delegate-DEL.json"));
    expect(run("DEL", conf()).status).toBe(0);
    expect(fs.existsSync(path.join(dir, "delegate-DEL.json"))).toBe(false);
  });

  test("CHECK succeeds after ADD and fails without a saved config", () => {
    expect(run("CHECK", conf()).status).toBe(1);
    expect(run("ADD", conf()).status).toBe(0);
    expect(run("CHECK", conf()).status).toBe(0);
  });

  test("VERSION lists the versions the delegates speak", () => {
    const result = run("VERSION", "");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).supportedVersions).toEqual(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"]);
  });

  test.each([
    ["a missing subnet file", { subnetFile: "/nonexistent/subnet.env" }, {}, 11, "/nonexistent/subnet.env"],
    ["the default subnet file", { subnetFile: undefined }, {}, 11, "/run/flannel/subnet.env"],
    ["a delegate type not in CNI_PATH", { delegate: { type: "macvlan" } }, {}, 7, 'failed to find plugin \\"macvlan\\"'],
    ["a delegate that is no object", { delegate: [1] }, {}, 7, "expected a JSON object"],
    ["no network name", { name: undefined }, {}, 7, "has no name"],
    ["an unknown command", {}, { CNI_COMMAND: "GC" }, 4, "unknown CNI_COMMAND"],
    ["no container ID", {}, { CNI_CONTAINERID: "" }, 4, "CNI_CONTAINERID"],
  ])("ADD with %s fails with a CNI error object", (_what, extra, env, code, msg) => {
    const result = run("ADD", conf(extra), env);
    expect(result.status).toBe(1);
    const error = JSON.parse(result.stdout);
    expect(error).toMatchObject({ cniVersion: "0.3.1", code });
    expect(result.stdout).toContain(msg);
  });

  test("ADD rejects an invalid FLANNEL_SUBNET and IPv6 subnets", () => {
    fs.writeFileSync(path.join(dir, "subnet.env"), SUBNET_ENV.replace("10.244.3.1/24", "10.244.3.256/24"));
    expect(JSON.parse(run("ADD", conf()).stdout).msg).toContain("invalid FLANNEL_SUBNET");
    fs.writeFileSync(path.join(dir, "subnet.env"), `${SUBNET_ENV}FLANNEL_IPV6_SUBNET=fd00::1/64\n`);
    expect(JSON.parse(run("ADD", conf()).stdout).msg).toContain("IPv4 only");
  });
});
