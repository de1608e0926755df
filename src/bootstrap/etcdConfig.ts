import { posix } from "path";
import { paths } from "./paths";
import { toYaml } from "./yaml";

/** etcd client port. */
export const ETCD_CLIENT_PORT = 2379;

/** etcd peer port. */
export const ETCD_PEER_PORT = 2380;

/** Default data directory: a child of `/var/lib/etcd` (made root-only by the node preparation). */
export const ETCD_DATA_DIR = "/var/lib/etcd/data";

/** One member of a static etcd cluster. */
export interface EtcdMember {
  /** Member name, unique in the cluster (no `=` or `,`). */
  name: string;
  /** IP address or DNS name the member listens on and advertises. */
  address: string;
}

/** Options of {@link renderEtcdConfigFile}: one member's view of a statically bootstrapped cluster. */
export interface EtcdMemberConfigOptions {
  /** Initial cluster token: the same for every member, unique per cluster (e.g. the cluster name). */
  clusterToken: string;
  /** This member's name; must be one of `members`. */
  memberName: string;
  /** This member's address; must be the address `members` gives for `memberName`. */
  memberAddress: string;
  /** Every member of the cluster, this one included, in a stable order. */
  members: EtcdMember[];
  /**
   * `new` when all members start together; `existing` when this member joins a running cluster
   * (after `etcdctl member add`).
   * @default "new"
   */
  initialClusterState?: "new" | "existing";
  /**
   * Data directory.
   * @default "/var/lib/etcd/data"
   */
  dataDir?: string;
  /**
   * Directory of `ca.crt`, `server.crt`, `server.key`, `peer.crt`, `peer.key`.
   * @default "/etc/etcd/pki"
   */
  pkiDir?: string;
}

/** Options of {@link renderEtcdSystemdUnit}. */
export interface EtcdSystemdUnitOptions {
  /**
   * Path of the etcd config file.
   * @default "/etc/etcd/etcd.conf.yml"
   */
  configFile?: string;
  /**
   * User etcd runs as; it must exist, read the key files (root-only, as the place-files step writes them) and write
   * the data directory.
   * @default "root" (the upstream release creates no user, unlike the distro packages)
   */
  user?: string;
  /**
   * Bound on the member's start, in seconds (systemd `TimeoutStartSec`). etcd notifies systemd only once it has
   * joined a quorum, which needs its peers; systemd's default of 90 s failed members prepared further apart.
   * @default undefined (`infinity`: a member waits for its peers as long as it takes; the etcd gate bounds the bootstrap)
   */
  startTimeoutSeconds?: number;
}

/** `https://<address>:2379`, bracketing an IPv6 address. */
export function etcdClientUrl(address: string): string {
  return `https://${urlHost(address)}:${ETCD_CLIENT_PORT}`;
}

/** `https://<address>:2380`, bracketing an IPv6 address. */
export function etcdPeerUrl(address: string): string {
  return `https://${urlHost(address)}:${ETCD_PEER_PORT}`;
}

/** The `initial-cluster` value: `n0=https://a0:2380,n1=https://a1:2380,...`, in the order given. */
export function renderEtcdInitialCluster(members: readonly EtcdMember[]): string {
  validateMembers(members);
  return members.map((m) => `${m.name}=${etcdPeerUrl(m.address)}`).join(",");
}

/**
 * Renders the YAML file read by `etcd --config-file` (etcd 3.4 to 3.6): static bootstrap from the member
 * list, TLS with client-certificate authentication for clients and peers, clients served on the member
 * address and on 127.0.0.1 (for the local `etcdctl` of health checks; the server certificate needs a
 * 127.0.0.1 SAN).
 *
 * @throws Error on a programming error (member not in the list, duplicate or malformed members).
 */
export function renderEtcdConfigFile(opts: EtcdMemberConfigOptions): string {
  requireNonEmpty("clusterToken", opts.clusterToken);
  validateMembers(opts.members);
  const self = opts.members.find((m) => m.name === opts.memberName);
  if (self === undefined) {
    throw new Error(`etcd config: memberName "${opts.memberName}" is not one of members`);
  }
  if (self.address !== opts.memberAddress) {
    throw new Error(
      `etcd config: memberAddress "${opts.memberAddress}" differs from the address "${self.address}" members give for "${opts.memberName}"`,
    );
  }
  const pkiDir = opts.pkiDir ?? paths.etcdPkiDir;
  const dataDir = opts.dataDir ?? ETCD_DATA_DIR;
  requireAbsolute("pkiDir", pkiDir);
  requireAbsolute("dataDir", dataDir);
  const pki = (file: string): string => posix.join(pkiDir, file);
  const clientUrl = etcdClientUrl(self.address);
  const peerUrl = etcdPeerUrl(self.address);
  const listenClientUrls = [...new Set([clientUrl, etcdClientUrl("127.0.0.1")])];

  return toYaml({
    name: self.name,
    "data-dir": dataDir,
    "listen-peer-urls": peerUrl,
    "listen-client-urls": listenClientUrls.join(","),
    "initial-advertise-peer-urls": peerUrl,
    "advertise-client-urls": clientUrl,
    "initial-cluster": renderEtcdInitialCluster(opts.members),
    "initial-cluster-state": opts.initialClusterState ?? "new",
    "initial-cluster-token": opts.clusterToken,
    "client-transport-security": {
      "cert-file": pki("server.crt"),
      "key-file": pki("server.key"),
      "client-cert-auth": true,
      "trusted-ca-file": pki("ca.crt"),
    },
    "peer-transport-security": {
      "cert-file": pki("peer.crt"),
      "key-file": pki("peer.key"),
      "client-cert-auth": true,
      "trusted-ca-file": pki("ca.crt"),
    },
    logger: "zap",
  });
}

/**
 * Renders the systemd unit `paths.etcdUnitName` (`pulumi-k8s-ha-etcd.service`) that runs the pinned upstream
 * release, `/usr/local/bin/etcd --config-file <file>` (`paths.etcdBinary`). Type=notify: the unit is active once
 * the member has joined the cluster and serves clients, so the start is not bounded by default (see
 * `startTimeoutSeconds`); a crashed member is restarted after 5 s. It is not `etcd.service`, so it never fights a
 * distro unit, which the node preparation masks.
 */
export function renderEtcdSystemdUnit(opts: EtcdSystemdUnitOptions = {}): string {
  const configFile = opts.configFile ?? paths.etcdConfigFile;
  const user = opts.user ?? "root";
  const startTimeout = opts.startTimeoutSeconds;
  if (startTimeout !== undefined && !(Number.isInteger(startTimeout) && startTimeout > 0)) {
    throw new Error(`etcd config: startTimeoutSeconds must be a positive whole number, got ${startTimeout}`);
  }
  requireAbsolute("configFile", configFile);
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) {
    throw new Error(`etcd config: user must be a plain user name, got "${user}"`);
  }
  return [
    "[Unit]",
    "Description=etcd member (pulumi-k8s-ha)",
    "Documentation=https://etcd.io/docs/",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=notify",
    `User=${user}`,
    `ExecStart=${paths.etcdBinary} --config-file ${configFile}`,
    `TimeoutStartSec=${startTimeout === undefined ? "infinity" : startTimeout}`,
    "Restart=on-failure",
    "RestartSec=5",
    "LimitNOFILE=65536",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** An address as a URL host: IPv6 in brackets. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/** Throws unless `value` is a non-blank string. */
function requireNonEmpty(field: string, value: string): void {
  if (value.trim() === "") {
    throw new Error(`etcd config: ${field} must not be empty`);
  }
}

/** Throws unless `path` is absolute and free of whitespace (it lands in a unit line and a YAML value). */
function requireAbsolute(field: string, path: string): void {
  if (!path.startsWith("/") || /\s/.test(path)) {
    throw new Error(`etcd config: ${field} must be an absolute path without spaces, got "${path}"`);
  }
}

/** Throws on an empty list, a malformed name or address, or a duplicate name or address. */
function validateMembers(members: readonly EtcdMember[]): void {
  if (members.length === 0) {
    throw new Error("etcd config: members must not be empty");
  }
  members.forEach((m, i) => {
    if (!/^[^\s=,]+$/.test(m.name)) {
      throw new Error(`etcd config: members[${i}].name must be non-empty without spaces, '=' or ',', got "${m.name}"`);
    }
    if (!/^[^\s/,@]+$/.test(m.address)) {
      throw new Error(`etcd config: members[${i}].address must be an IP address or DNS name, got "${m.address}"`);
    }
  });
  for (const key of ["name", "address"] as const) {
    const seen = new Set<string>();
    for (const m of members) {
      if (seen.has(m[key])) {
        throw new Error(`etcd config: members has the ${key} "${m[key]}" twice`);
      }
      seen.add(m[key]);
    }
  }
}
