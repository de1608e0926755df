import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { etcdStartScript } from "../../../src/bootstrap/scripts";

/** Replaces the script's `readonly NAME='...'` parameters. */
function withParameters(script: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((text, [name, value]) => {
    const line = new RegExp(`^readonly ${name}='[^']*'$`, "m");
    if (!line.test(text)) throw new Error(`no parameter ${name}`);
    return text.replace(line, `readonly ${name}='${value}'`);
  }, script);
}

/**
 * The systemd path of the start step, run for real with stand-ins for systemctl and journalctl: `is-active` answers
 * from a list of states (the last one repeats), every other call is recorded.
 */
describe("etcd start step under systemd (Type=notify unit, peers possibly minutes away)", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pkh-etcd-start-"));
    fs.mkdirSync(path.join(root, "fakebin"));
    fs.writeFileSync(
      path.join(root, "fakebin/systemctl"),
      `#!/bin/bash
echo "$*" >> "${root}/calls"
if [ "$1" = is-active ]; then
  state="$(head -n 1 "${root}/states")"
  if [ "$(wc -l < "${root}/states")" -gt 1 ]; then sed -i 1d "${root}/states"; fi
  [ "$2" = --quiet ] || echo "$state"
  [ "$state" = active ]
fi
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(root, "fakebin/journalctl"), "#!/bin/sh\necho 'etcd: listen tcp 10.0.0.1:2380: bind: address already in use'\n", { mode: 0o755 });
    fs.writeFileSync(path.join(root, "etcd"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    fs.writeFileSync(
      path.join(root, "etcd.conf.yml"),
      "name: etcd-0\ndata-dir: /var/lib/etcd/data\ninitial-advertise-peer-urls: https://10.0.0.1:2380\n" +
        "initial-cluster: etcd-0=https://10.0.0.1:2380,etcd-1=https://10.0.0.2:2380\n",
    );
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function start(states: string[], startWaitSeconds: number) {
    fs.writeFileSync(path.join(root, "states"), `${states.join("\n")}\n`);
    const script = withParameters(etcdStartScript({ startWaitSeconds }), {
      ETCD: path.join(root, "etcd"),
      CONFIG_FILE: path.join(root, "etcd.conf.yml"),
      RUN_CONFIG_FILE: path.join(root, "etcd.run.yml"),
      JOINED_FILE: path.join(root, "joined"),
      LOG_FILE: path.join(root, "log/etcd.log"),
      CHECKSUM_FILE: path.join(root, "state/etcd-config.sha256"),
    }).replace("if [ -d /run/systemd/system ]; then", "if true; then");
    const result = spawnSync("bash", ["-c", script], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, PATH: `${path.join(root, "fakebin")}:${process.env.PATH}` },
    });
    const calls = fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n");
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }

  test.each<[string, string[], number, number, string, string]>([
    ["becomes active within the wait", ["inactive", "activating", "activating", "active"], 10, 0, "etcd started by systemd\n", ""],
    [
      "still waiting for its peers at the end of the wait",
      ["inactive", "activating"],
      2,
      0,
      "etcd started by systemd and still activating after 2 s: waiting for its peers to form a quorum (the etcd gate waits for the cluster)\n",
      "",
    ],
    [
      "failed",
      ["inactive", "activating", "failed"],
      10,
      1,
      "",
      "etcd failed to start on HOST; last lines of its journal:\netcd: listen tcp 10.0.0.1:2380: bind: address already in use\n",
    ],
  ])("a unit that %s", (_label, states, wait, status, stdout, stderr) => {
    const result = start(states, wait);
    expect(result.status).toBe(status);
    expect(result.stdout).toBe(stdout);
    expect(result.stderr).toBe(stderr.replace("HOST", os.hostname()));
    // Started without blocking on readiness: `enable --now` / a plain `start` would wait for the notify.
    expect(result.calls.slice(0, 4)).toEqual([
      "daemon-reload",
      "is-active --quiet pulumi-k8s-ha-etcd.service",
      "enable --quiet pulumi-k8s-ha-etcd.service",
      "start --no-block pulumi-k8s-ha-etcd.service",
    ]);
  });

  test("a changed configuration restarts without blocking either", () => {
    fs.mkdirSync(path.join(root, "state"));
    fs.writeFileSync(path.join(root, "state/etcd-config.sha256"), "an older configuration\n");
    const result = start(["active"], 5);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("etcd configuration changed: restarting (data kept)\netcd restarted by systemd\n");
    expect(result.calls).toContain("restart --no-block pulumi-k8s-ha-etcd.service");
  });
});
