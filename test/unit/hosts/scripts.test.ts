import { spawnSync } from "node:child_process";
import {
  haproxyApplyScript,
  keepalivedApplyScript,
  loadBalancerStopScript,
  prepareHostScript,
} from "../../../src/bootstrap/scripts";
import { renderNodePreparation } from "../../../src/bootstrap/cloudInit";

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `bash -n`: the script parses. */
function bashParses(script: string): number | null {
  return spawnSync("bash", ["-n"], { input: script, encoding: "utf8" }).status;
}

const etcdPreparation = renderNodePreparation({ role: "etcd", kubernetesVersion: "1.34.2" });
const scripts: Record<string, string> = {
  haproxyApply: haproxyApplyScript({ config: "global\n    maxconn 10\n" }),
  keepalivedApply: keepalivedApplyScript({ config: "global_defs {\n}\n" }),
  haproxyStop: loadBalancerStopScript("haproxy"),
  keepalivedStop: loadBalancerStopScript("keepalived"),
  prepareEtcd: prepareHostScript({ ...etcdPreparation, run: "/usr/local/sbin/pulumi-k8s-ha-prepare-node", requireSystemd: true }),
  prepareLoadBalancer: prepareHostScript({ packages: ["haproxy", "keepalived"], files: [] }),
};

test.each(Object.entries(scripts))("%s passes shellcheck -S warning and bash -n", (_name, script) => {
  const result = shellcheck(script);
  expect(result.output).toBe("");
  expect(result.status).toBe(0);
  expect(bashParses(script)).toBe(0);
});

test("the HAProxy step checks a candidate file before it replaces the configuration", () => {
  const script = haproxyApplyScript({ config: "frontend x\n" });
  expect(script).toContain(`readonly CONFIG='${Buffer.from("frontend x\n").toString("base64")}'`);
  expect(script).toContain('check_config() { haproxy -c -q -f "$1"; }');
  expect(script.indexOf('check_config "$candidate"')).toBeLessThan(script.indexOf('mv -f "$candidate" "$CONFIG_FILE"'));
  expect(script).toContain('-sf "$pid"');
  expect(script).toContain("haproxy already running (pid $pid) with this configuration");
});

test("the keepalived step runs keepalived in its own session without systemd, and reloads with SIGHUP", () => {
  const script = keepalivedApplyScript({ config: "x" });
  expect(script).toContain("check_config() { keepalived -t -f \"$1\"; }");
  expect(script).toContain('setsid keepalived -n -l -f "$CONFIG_FILE"');
  expect(script).toContain('kill -HUP "$pid"');
});

test("the preparation step embeds the same files the node cloud-init writes, and is skipped once done", () => {
  const script = prepareHostScript({ ...etcdPreparation, run: "/usr/local/sbin/pulumi-k8s-ha-prepare-node" });
  for (const file of etcdPreparation.files) {
    expect(script).toContain(`${file.permissions} ${file.path} ${Buffer.from(file.content).toString("base64")}`);
  }
  expect(script).toContain("readonly PACKAGES='ca-certificates curl jq'");
  expect(script).toContain("readonly REQUIRE_SYSTEMD='false'");
  expect(script).toContain("already prepared");
});

test("an own control plane gets containerd's configuration file, and installing containerd afterwards keeps it", () => {
  const preparation = renderNodePreparation({ role: "control-plane", kubernetesVersion: "1.34.2" });
  const config = preparation.files.find((f) => f.path === "/etc/containerd/config.toml")!;
  expect(config.content).toContain('  sandbox_image = "registry.k8s.io/pause:3.10.1"\n');
  const script = prepareHostScript({ ...preparation, run: "/usr/local/sbin/pulumi-k8s-ha-prepare-node" });
  expect(script).toContain(`0644 /etc/containerd/config.toml ${Buffer.from(config.content).toString("base64")}`);
  expect(script).toContain("-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold");
});
