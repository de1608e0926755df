import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import {
  EtcdMemberConfigOptions,
  etcdClientUrl,
  etcdPeerUrl,
  renderEtcdConfigFile,
  renderEtcdInitialCluster,
  renderEtcdSystemdUnit,
} from "../../../../src/bootstrap/etcdConfig";

const members = [
  { name: "etcd-0", address: "10.0.2.10" },
  { name: "etcd-1", address: "10.0.3.10" },
  { name: "etcd-2", address: "10.0.4.10" },
];
const opts: EtcdMemberConfigOptions = { clusterToken: "demo", memberName: "etcd-1", memberAddress: "10.0.3.10", members };

describe("renderEtcdConfigFile", () => {
  it("writes the exact member config with TLS for clients and peers", () => {
    expect(parse(renderEtcdConfigFile(opts))).toEqual({
      name: "etcd-1",
      "data-dir": "/var/lib/etcd/data",
      "listen-peer-urls": "https://10.0.3.10:2380",
      "listen-client-urls": "https://10.0.3.10:2379,https://127.0.0.1:2379",
      "initial-advertise-peer-urls": "https://10.0.3.10:2380",
      "advertise-client-urls": "https://10.0.3.10:2379",
      "initial-cluster": "etcd-0=https://10.0.2.10:2380,etcd-1=https://10.0.3.10:2380,etcd-2=https://10.0.4.10:2380",
      "initial-cluster-state": "new",
      "initial-cluster-token": "demo",
      "client-transport-security": {
        "cert-file": "/etc/etcd/pki/server.crt",
        "key-file": "/etc/etcd/pki/server.key",
        "client-cert-auth": true,
        "trusted-ca-file": "/etc/etcd/pki/ca.crt",
      },
      "peer-transport-security": {
        "cert-file": "/etc/etcd/pki/peer.crt",
        "key-file": "/etc/etcd/pki/peer.key",
        "client-cert-auth": true,
        "trusted-ca-file": "/etc/etcd/pki/ca.crt",
      },
      logger: "zap",
    });
  });

  it("honours dataDir, pkiDir and initialClusterState", () => {
    const config = parse(
      renderEtcdConfigFile({ ...opts, dataDir: "/data/etcd", pkiDir: "/opt/pki/", initialClusterState: "existing" }),
    );
    expect(config["data-dir"]).toBe("/data/etcd");
    expect(config["initial-cluster-state"]).toBe("existing");
    expect(config["client-transport-security"]["cert-file"]).toBe("/opt/pki/server.crt");
    expect(config["peer-transport-security"]["trusted-ca-file"]).toBe("/opt/pki/ca.crt");
  });

  it("lists 127.0.0.1 once for a member on 127.0.0.1", () => {
    const config = parse(
      renderEtcdConfigFile({ clusterToken: "t", memberName: "a", memberAddress: "127.0.0.1", members: [{ name: "a", address: "127.0.0.1" }] }),
    );
    expect(config["listen-client-urls"]).toBe("https://127.0.0.1:2379");
  });

  it("brackets IPv6 addresses in every URL", () => {
    const v6 = [
      { name: "a", address: "fd00::a" },
      { name: "b", address: "fd00::b" },
    ];
    const config = parse(renderEtcdConfigFile({ clusterToken: "t", memberName: "b", memberAddress: "fd00::b", members: v6 }));
    expect(config["listen-peer-urls"]).toBe("https://[fd00::b]:2380");
    expect(config["listen-client-urls"]).toBe("https://[fd00::b]:2379,https://127.0.0.1:2379");
    expect(config["initial-cluster"]).toBe("a=https://[fd00::a]:2380,b=https://[fd00::b]:2380");
  });

  it.each<[string, Partial<EtcdMemberConfigOptions>, string]>([
    ["unknown member", { memberName: "etcd-9" }, 'etcd config: memberName "etcd-9" is not one of members'],
    [
      "address mismatch",
      { memberAddress: "10.0.2.10" },
      'etcd config: memberAddress "10.0.2.10" differs from the address "10.0.3.10" members give for "etcd-1"',
    ],
    ["empty token", { clusterToken: " " }, "etcd config: clusterToken must not be empty"],
    ["no members", { members: [] }, "etcd config: members must not be empty"],
    [
      "duplicate name",
      { members: [...members, { name: "etcd-0", address: "10.0.5.10" }] },
      'etcd config: members has the name "etcd-0" twice',
    ],
    [
      "duplicate address",
      { members: [...members, { name: "etcd-3", address: "10.0.2.10" }] },
      'etcd config: members has the address "10.0.2.10" twice',
    ],
    [
      "name with =",
      { members: [{ name: "a=b", address: "10.0.0.1" }] },
      "etcd config: members[0].name must be non-empty without spaces, '=' or ',', got \"a=b\"",
    ],
    [
      "URL as address",
      { members: [{ name: "a", address: "https://10.0.0.1" }] },
      'etcd config: members[0].address must be an IP address or DNS name, got "https://10.0.0.1"',
    ],
    ["relative dataDir", { dataDir: "data" }, 'etcd config: dataDir must be an absolute path without spaces, got "data"'],
    ["pkiDir with space", { pkiDir: "/etc/my pki" }, 'etcd config: pkiDir must be an absolute path without spaces, got "/etc/my pki"'],
  ])("throws on %s", (_label, patch, message) => {
    expect(() => renderEtcdConfigFile({ ...opts, ...patch })).toThrow(new Error(message));
  });
});

describe("URL helpers", () => {
  it("build client and peer URLs and the initial cluster", () => {
    expect(etcdClientUrl("10.0.0.1")).toBe("https://10.0.0.1:2379");
    expect(etcdPeerUrl("etcd-0.internal")).toBe("https://etcd-0.internal:2380");
    expect(etcdClientUrl("::1")).toBe("https://[::1]:2379");
    expect(renderEtcdInitialCluster(members.slice(0, 2))).toBe("etcd-0=https://10.0.2.10:2380,etcd-1=https://10.0.3.10:2380");
  });
});

describe("renderEtcdSystemdUnit", () => {
  it("writes the exact default unit", () => {
    expect(renderEtcdSystemdUnit()).toBe(
      [
        "[Unit]",
        "Description=etcd member (pulumi-k8s-ha)",
        "Documentation=https://etcd.io/docs/",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=notify",
        "User=root",
        "ExecStart=/usr/local/bin/etcd --config-file /etc/etcd/etcd.conf.yml",
        "TimeoutStartSec=infinity",
        "Restart=on-failure",
        "RestartSec=5",
        "LimitNOFILE=65536",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
  });

  it("honours configFile and user", () => {
    const unit = renderEtcdSystemdUnit({ configFile: "/srv/etcd.yml", user: "etcd" });
    expect(unit).toContain("\nExecStart=/usr/local/bin/etcd --config-file /srv/etcd.yml\n");
    expect(unit).toContain("\nUser=etcd\n");
  });

  it.each([
    [undefined, "TimeoutStartSec=infinity"],
    [600, "TimeoutStartSec=600"],
  ])("bounds the start (startTimeoutSeconds %p) with %s, never systemd's 90 s default", (startTimeoutSeconds, line) => {
    const lines = renderEtcdSystemdUnit({ startTimeoutSeconds }).split("\n");
    expect(lines.filter((l) => l.startsWith("TimeoutStartSec="))).toEqual([line]);
    expect(lines).toEqual(expect.arrayContaining(["Type=notify", "Restart=on-failure", "RestartSec=5"]));
  });

  it.each([
    [{ startTimeoutSeconds: 0 }, "etcd config: startTimeoutSeconds must be a positive whole number, got 0"],
    [{ startTimeoutSeconds: 1.5 }, "etcd config: startTimeoutSeconds must be a positive whole number, got 1.5"],
    [{ configFile: "etcd.yml" }, 'etcd config: configFile must be an absolute path without spaces, got "etcd.yml"'],
    [{ user: "etcd; rm" }, 'etcd config: user must be a plain user name, got "etcd; rm"'],
  ])("throws on %p", (given, message) => {
    expect(() => renderEtcdSystemdUnit(given)).toThrow(new Error(message));
  });

  it("passes systemd-analyze verify without a warning", () => {
    const dir = mkdtempSync(join(tmpdir(), "etcd-unit-"));
    try {
      const file = join(dir, "pulumi-k8s-ha-etcd.service");
      // systemd-analyze also wants ExecStart to exist: this machine's etcd stands in for the pinned release.
      const verify = (text: string) => {
        writeFileSync(file, text.replace("ExecStart=/usr/local/bin/etcd ", "ExecStart=/usr/bin/env etcd "));
        const result = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
        if (result.error) {
          throw new Error(`systemd-analyze could not run: ${result.error.message}`);
        }
        return `${result.stderr}`;
      };
      // The check itself can fail: a bad line is reported with the file name.
      expect(verify(renderEtcdSystemdUnit({ user: "root" }).replace("Type=notify", "Type=bogus"))).toContain(
        "Failed to parse service type",
      );
      expect(verify(renderEtcdSystemdUnit({ user: "root" }))).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Starts the real etcd binary with a rendered config inside a fresh network namespace (nothing leaves its
 * loopback), with certificates made by openssl, and checks the member serves TLS clients on both client
 * URLs, refuses a client without a certificate, and reports the rendered name and URLs.
 */
describe("renderEtcdConfigFile with the real etcd binary", () => {
  const script = `set -euo pipefail
dir="$1"
cd "$dir"
mkdir -p pki
openssl ecparam -name prime256v1 -genkey -noout -out pki/ca.key
openssl req -x509 -new -key pki/ca.key -subj /CN=etcd-ca -days 1 -out pki/ca.crt
issue() {
  openssl ecparam -name prime256v1 -genkey -noout -out "pki/$1.key"
  openssl req -new -key "pki/$1.key" -subj "/CN=$2" -out "pki/$1.csr"
  printf 'extendedKeyUsage=%s\\n%s\\n' "$3" "$4" > "pki/$1.ext"
  openssl x509 -req -in "pki/$1.csr" -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial -days 1 -extfile "pki/$1.ext" -out "pki/$1.crt" 2>/dev/null
}
issue server n0 serverAuth,clientAuth 'subjectAltName=IP:127.0.0.2,IP:127.0.0.1'
issue peer n0 serverAuth,clientAuth 'subjectAltName=IP:127.0.0.2'
issue client root clientAuth ''
ip link set lo up
etcd --config-file "$dir/etcd.conf.yml" > "$dir/etcd.log" 2>&1 &
pid=$!
trap 'kill $pid; wait $pid || true' EXIT
tls=(--cacert pki/ca.crt --cert pki/client.crt --key pki/client.key)
for _ in $(seq 1 100); do
  if curl -sf "\${tls[@]}" https://127.0.0.1:2379/health > /dev/null; then break; fi
  sleep 0.1
done
echo "local=$(curl -sf "\${tls[@]}" https://127.0.0.1:2379/health)"
echo "member=$(curl -sf "\${tls[@]}" https://127.0.0.2:2379/health)"
echo "nocert=$(curl -s --cacert pki/ca.crt https://127.0.0.2:2379/health || echo refused)"
echo "members=$(ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.2:2379 "\${tls[@]}" -w json member list)"
`;

  it("forms a one-member TLS cluster on loopback", () => {
    for (const tool of ["etcd", "etcdctl", "openssl", "curl", "unshare", "ip"]) {
      const which = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
      expect(`${tool}: ${which.status}`).toBe(`${tool}: 0`);
    }
    const dir = mkdtempSync(join(tmpdir(), "etcd-config-"));
    try {
      writeFileSync(
        join(dir, "etcd.conf.yml"),
        renderEtcdConfigFile({
          clusterToken: "test",
          memberName: "n0",
          memberAddress: "127.0.0.2",
          members: [{ name: "n0", address: "127.0.0.2" }],
          dataDir: join(dir, "data"),
          pkiDir: join(dir, "pki"),
        }),
      );
      writeFileSync(join(dir, "run.sh"), script);
      const result = spawnSync("unshare", ["-rn", "bash", join(dir, "run.sh"), dir], {
        encoding: "utf8",
        timeout: 30_000,
      });
      if (result.status !== 0) {
        const log = spawnSync("cat", [join(dir, "etcd.log")], { encoding: "utf8" }).stdout;
        throw new Error(`run.sh exited ${result.status}: ${result.error ?? ""}\n${result.stderr}\n${log}`);
      }
      const lines = Object.fromEntries(
        result.stdout
          .trim()
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      expect(JSON.parse(lines.local)).toEqual({ health: "true" });
      expect(JSON.parse(lines.member)).toEqual({ health: "true" });
      expect(lines.nocert).toBe("refused");
      const list = JSON.parse(lines.members);
      expect(list.members).toEqual([
        expect.objectContaining({ name: "n0", peerURLs: ["https://127.0.0.2:2380"], clientURLs: ["https://127.0.0.2:2379"] }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
