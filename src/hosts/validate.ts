import { isIP } from "node:net";
import { requireArgument, validated } from "../cluster/argumentError";
import { requireNodeQuirks, requireUpgradePackageArgs } from "../cluster/validateArgs";
import { validateEtcdBackupArgs, validateEtcdRestoreArgs } from "../cluster/validateBackup";
import { requireCertificateSettings } from "../cluster/validateCertificates";
import { requireEtcdTopology, validatedClusterSettings } from "../cluster/validateArgs";
import { WORKER_JOIN_TOKEN_TTL_FIELD, workerJoinTokenTtlProblem } from "../cluster/workerJoinArgs";
import { checkNowOrWhenKnown, type LateCheck } from "../cluster/lateInputs";
import { cidrsOverlap, parseIpv4Cidr, validatePlacement } from "../topology";
import { isHostAddress, validateCertSans, validateZones } from "../topology/checks";
import type { ClusterSettings, EtcdTopology, PlannedNode, TopologyPlan } from "../topology/types";
import type { ApiLoadBalancerArgs, BastionSpec, HostSpec, HostsControlPlaneArgs } from "./args";

const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const INTERFACE = /^[A-Za-z0-9._@-]{1,15}$/;
const BACKEND_NAME = /^[A-Za-z0-9._-]+$/;
const HEALTH_PATH = /^\/[^\s#"'\\]*$/;
const FILE_PATH = /^\/[^\s#"'\\]+$/;

/** What {@link validateHostsControlPlaneArgs} found valid, with defaults filled. */
export interface ValidatedHostsControlPlane {
  settings: ClusterSettings;
  etcdTopology: EtcdTopology;
  failureDomains: string[];
  plan: TopologyPlan;
  prepareHosts: boolean;
  /** Checks of addresses, users or the endpoint given as outputs: run them (`runLateChecks`) before any child. */
  lateChecks: LateCheck[];
}

const isPort = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
const isPositiveInteger = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value >= 1;
const hasValue = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/** Checks what is plain in one SSH-reachable machine of a list (`field[index]`); its addresses and user are checked by {@link checkConnectionValues}. */
function checkHostSpec(context: string, host: HostSpec, field: string, domains: string[]): void {
  requireArgument(hasValue(host.privateKey), context, `${field}.privateKey`, "is missing. Give the SSH private key (e.g. from `config.requireSecret`).");
  requireArgument(host.port === undefined || isPort(host.port), context, `${field}.port`, `${JSON.stringify(host.port)} is not a TCP port. Use an integer from 1 to 65535, or leave it out for 22.`);
  requireArgument(
    typeof host.failureDomain === "string" && domains.includes(host.failureDomain),
    context,
    `${field}.failureDomain`,
    `${JSON.stringify(host.failureDomain)} is not one of failureDomains (${domains.join(", ")}). Fix the host's failureDomain or add it to failureDomains.`,
  );
}

/** Checks what is plain in the bastion; its host and user are checked by {@link checkConnectionValues}. */
function checkBastion(context: string, bastion: BastionSpec): void {
  requireArgument(hasValue(bastion.privateKey), context, "bastion.privateKey", "is missing. Give the bastion's SSH private key.");
  requireArgument(bastion.port === undefined || isPort(bastion.port), context, "bastion.port", `${JSON.stringify(bastion.port)} is not a TCP port. Use an integer from 1 to 65535.`);
}

/** The virtual-IP arguments shared by {@link HostsControlPlaneArgs} and {@link ApiLoadBalancerArgs}. */
interface VirtualIpArgs {
  virtualIp?: string;
  virtualIpInterface?: string;
  virtualRouterId?: number;
}

/** Checks the keepalived arguments (same field names in both components). */
function checkVirtualIp(context: string, args: VirtualIpArgs): void {
  if (args.virtualIp === undefined) {
    requireArgument(args.virtualIpInterface === undefined, context, "virtualIpInterface", "is only used with virtualIp. Remove it or give virtualIp.");
    requireArgument(args.virtualRouterId === undefined, context, "virtualRouterId", "is only used with virtualIp. Remove it or give virtualIp.");
    return;
  }
  requireArgument(typeof args.virtualIp === "string" && isIP(args.virtualIp) !== 0, context, "virtualIp", `${JSON.stringify(args.virtualIp)} is not an IP address. Give a free address of the load balancers' network, without prefix.`);
  requireArgument(typeof args.virtualIpInterface === "string" && INTERFACE.test(args.virtualIpInterface), context, "virtualIpInterface", `${JSON.stringify(args.virtualIpInterface)} is not a network interface name. Give the interface that carries the virtual IP, e.g. "eth0".`);
  requireArgument(
    args.virtualRouterId === undefined || (Number.isInteger(args.virtualRouterId) && args.virtualRouterId >= 1 && args.virtualRouterId <= 255),
    context,
    "virtualRouterId",
    `${JSON.stringify(args.virtualRouterId)} is not a VRRP router id. Use an integer from 1 to 255, unique on the network segment.`,
  );
}

/** One host's connection values, as given or resolved. */
interface HostConnection {
  name: string;
  address: unknown;
  privateAddress?: unknown;
  user: unknown;
}

/** The arguments that may be outputs (addresses, users, the endpoint), as given or resolved. */
interface ConnectionValues {
  lists: [string, HostConnection[]][];
  bastion?: { host: unknown; user: unknown };
  apiServerEndpoint: unknown;
}

/** The values of {@link ConnectionValues} in one flat list (for {@link checkNowOrWhenKnown}), and back. */
function flattenConnections(values: ConnectionValues): unknown[] {
  return [
    ...values.lists.flatMap(([, hosts]) => hosts.flatMap((host) => [host.address, host.privateAddress, host.user])),
    values.bastion?.host,
    values.bastion?.user,
    values.apiServerEndpoint,
  ];
}

/** {@link ConnectionValues} shaped like `shape`, with the values of {@link flattenConnections} `flat` (resolved). */
function unflattenConnections(shape: ConnectionValues, flat: unknown[]): ConnectionValues {
  let next = 0;
  const take = (): unknown => flat[next++];
  const lists = shape.lists.map(([field, hosts]): [string, HostConnection[]] => [
    field,
    hosts.map((host) => ({ name: host.name, address: take(), privateAddress: take(), user: take() })),
  ]);
  const bastion = { host: take(), user: take() };
  return { lists, bastion: shape.bastion ? bastion : undefined, apiServerEndpoint: take() };
}

/**
 * Checks the addresses, users and endpoint once known. Each is well formed; every host's cluster address
 * (`privateAddress`, else `address`) is its own, is not the virtual IP, and lies outside the pod and service ranges
 * (kube-proxy and the CNI would route it into the cluster instead of to the machine); a load balancer is not a
 * control plane, and with a virtual IP has an IP address (keepalived's unicast peers).
 */
function checkConnectionValues(context: string, values: ConnectionValues, settings: ClusterSettings, virtualIp: string | undefined): void {
  for (const [field, hosts] of values.lists) {
    hosts.forEach((host, index) => {
      const at = `${field}[${index}]`;
      requireArgument(isHostAddress(host.address), context, `${at}.address`, `${JSON.stringify(host.address)} is not an IP address or DNS name. Give the address the program reaches the machine at over SSH.`);
      requireArgument(host.privateAddress === undefined || isHostAddress(host.privateAddress), context, `${at}.privateAddress`, `${JSON.stringify(host.privateAddress)} is not an IP address or DNS name. Give the address other members reach the machine at, or leave it out to use address.`);
      requireArgument(typeof host.user === "string" && USER.test(host.user), context, `${at}.user`, `${JSON.stringify(host.user)} is not a user name. Give the SSH login user (root, or a user with password-less sudo).`);
    });
  }
  if (values.bastion) {
    const { host, user } = values.bastion;
    requireArgument(isHostAddress(host), context, "bastion.host", `${JSON.stringify(host)} is not an IP address or DNS name.`);
    requireArgument(typeof user === "string" && USER.test(user), context, "bastion.user", `${JSON.stringify(user)} is not a user name.`);
  }
  const endpoint = values.apiServerEndpoint;
  requireArgument(
    endpoint === undefined || isHostAddress(endpoint),
    context,
    "apiServerEndpoint",
    `${JSON.stringify(endpoint)} is not a host name or IP address. Give it without scheme or port (the port is apiServerPort), e.g. "api.example.internal".`,
  );

  const clusterAddress = (host: HostConnection) => String(host.privateAddress ?? host.address);
  const listed = (field: string) => values.lists.find(([name]) => name === field)?.[1] ?? [];
  const controlPlaneAddresses = new Set(listed("controlPlaneHosts").map(clusterAddress));
  listed("loadBalancerHosts").forEach((host, index) => {
    const address = clusterAddress(host);
    requireArgument(!controlPlaneAddresses.has(address), context, `loadBalancerHosts[${index}].address`, `${address} is also a control plane: HAProxy and kube-apiserver would both bind port ${settings.apiServerPort}. Use separate machines, or your own apiServerEndpoint.`);
    requireArgument(virtualIp === undefined || isIP(address) !== 0, context, `loadBalancerHosts[${index}].privateAddress`, `${JSON.stringify(address)} is not an IP address; keepalived sends VRRP adverts to the peers' IP addresses. Give privateAddress as an IP.`);
  });

  const seen = new Map<string, string>();
  for (const [field, hosts] of values.lists) {
    hosts.forEach((host, index) => {
      const entry = `${field}[${index}]`;
      const at = `${entry}.${host.privateAddress === undefined ? "address" : "privateAddress"}`;
      const address = clusterAddress(host);
      const first = seen.get(address);
      requireArgument(first === undefined, context, at, `${address} is also ${first}. Every machine needs its own address; give each host its own (privateAddress where they share a public one).`);
      seen.set(address, `${entry} (${host.name})`);
      requireArgument(address !== virtualIp, context, at, `${address} is also virtualIp, which keepalived moves between the load balancers. Give virtualIp a free address of their network.`);
      requireOutsideClusterRanges(context, at, address, settings);
    });
  }
  if (typeof endpoint === "string") requireOutsideClusterRanges(context, "apiServerEndpoint", endpoint, settings);
}

/**
 * Refuses an IP address inside the pod or service range: kube-proxy and the CNI would route traffic to it into the
 * cluster instead of to the machine (or the virtual IP, or your load balancer). Names are not looked up.
 */
function requireOutsideClusterRanges(context: string, field: string, address: string, settings: ClusterSettings): void {
  const asCidr = parseIpv4Cidr(`${address}/32`);
  if (asCidr === undefined) return;
  for (const rangeField of ["podSubnet", "serviceSubnet"] as const) {
    const range = parseIpv4Cidr(settings[rangeField]);
    requireArgument(
      range === undefined || !cidrsOverlap(asCidr, range),
      context,
      field,
      `${address} is inside ${rangeField} ${settings[rangeField]}: traffic to it would be routed into the cluster, not to the machine. Choose a ${rangeField} that does not contain your machines' network.`,
    );
  }
}

/**
 * Checks every argument of a {@link HostsControlPlane} and plans the topology from the hosts' failure domains.
 * Throws an `ArgumentError` naming the field and the fix; called before anything registers.
 */
export function validateHostsControlPlaneArgs(name: string, args: HostsControlPlaneArgs): ValidatedHostsControlPlane {
  const context = `HostsControlPlane ${name}`;
  const settings = validatedClusterSettings(context, args);
  const etcdTopology = args.etcdTopology ?? "stacked";
  requireEtcdTopology(context, etcdTopology);
  const external = etcdTopology === "external";
  requireArgument(Array.isArray(args.controlPlaneHosts) && args.controlPlaneHosts.length > 0, context, "controlPlaneHosts", "give at least one control-plane host (3 for HA).");
  const etcdHosts = args.etcdHosts ?? [];
  requireArgument(Array.isArray(etcdHosts), context, "etcdHosts", "must be a list of hosts.");
  requireArgument(!external || etcdHosts.length > 0, context, "etcdHosts", 'is required with etcdTopology "external". Give the etcd machines (3 or 5).');
  requireArgument(external || etcdHosts.length === 0, context, "etcdHosts", 'is only for etcdTopology "external". Remove it or set etcdTopology: "external".');
  const lbHosts = args.loadBalancerHosts ?? [];
  requireArgument(Array.isArray(lbHosts), context, "loadBalancerHosts", "must be a list of hosts.");
  const hasEndpoint = args.apiServerEndpoint !== undefined;
  requireArgument(
    hasEndpoint !== lbHosts.length > 0,
    context,
    hasEndpoint ? "loadBalancerHosts" : "apiServerEndpoint",
    hasEndpoint
      ? "cannot be combined with apiServerEndpoint. Give apiServerEndpoint (a load balancer you run) or loadBalancerHosts (HAProxy on them), not both."
      : "is missing. Give apiServerEndpoint (a load balancer you run) or loadBalancerHosts (HAProxy on them).",
  );
  requireArgument(args.virtualIp === undefined || lbHosts.length > 0, context, "virtualIp", "needs loadBalancerHosts (keepalived runs there). Remove it or give loadBalancerHosts.");
  checkVirtualIp(context, args);
  if (args.virtualIp !== undefined) requireOutsideClusterRanges(context, "virtualIp", args.virtualIp, settings);
  requireNodeQuirks(context, args);
  requireArgument(
    args.loadBalancerMaxConnections === undefined || (isPositiveInteger(args.loadBalancerMaxConnections) && lbHosts.length > 0),
    context,
    "loadBalancerMaxConnections",
    `${JSON.stringify(args.loadBalancerMaxConnections)} must be a positive whole number, given together with loadBalancerHosts.`,
  );

  const lists: [string, HostSpec[]][] = [
    ["controlPlaneHosts", args.controlPlaneHosts],
    ["etcdHosts", etcdHosts],
    ["loadBalancerHosts", lbHosts],
  ];
  const failureDomains =
    args.failureDomains ?? [...new Set(lists.flatMap(([, hosts]) => hosts.map((host) => host.failureDomain)))];
  validated(context, () => validateZones(failureDomains, "failureDomains"));
  const names = new Set<string>();
  for (const [field, hosts] of lists) {
    hosts.forEach((host, index) => {
      const at = `${field}[${index}]`;
      requireArgument(typeof host.name === "string" && NODE_NAME.test(host.name), context, `${at}.name`, `${JSON.stringify(host.name)} is not a DNS label (lowercase letters, digits and '-', at most 63).`);
      requireArgument(!names.has(host.name), context, `${at}.name`, `"${host.name}" is used twice. Give every host its own name.`);
      names.add(host.name);
      checkHostSpec(context, host, at, failureDomains);
    });
  }
  if (args.bastion !== undefined) checkBastion(context, args.bastion);
  const connections: ConnectionValues = {
    lists,
    bastion: args.bastion,
    apiServerEndpoint: args.apiServerEndpoint,
  };
  const lateChecks: LateCheck[] = [];
  checkNowOrWhenKnown(
    flattenConnections(connections),
    (flat) => checkConnectionValues(context, unflattenConnections(connections, flat as unknown[]), settings, args.virtualIp),
    lateChecks,
  );
  validated(context, () => validateCertSans(args.extraCertSans ?? []));
  requireArgument(args.cniManifestUrl === undefined || args.cniManifestUrl === "" || /^https:\/\/\S+$/.test(args.cniManifestUrl), context, "cniManifestUrl", `${JSON.stringify(args.cniManifestUrl)} must be an https URL, or "" to skip the CNI.`);
  requireArgument(args.gateTimeoutSeconds === undefined || isPositiveInteger(args.gateTimeoutSeconds), context, "gateTimeoutSeconds", `${JSON.stringify(args.gateTimeoutSeconds)} is not a positive whole number of seconds.`);
  requireArgument(args.hostReadyTimeoutMinutes === undefined || isPositiveInteger(args.hostReadyTimeoutMinutes), context, "hostReadyTimeoutMinutes", `${JSON.stringify(args.hostReadyTimeoutMinutes)} is not a positive whole number of minutes.`);
  const ttlProblem = workerJoinTokenTtlProblem(args.workerJoinTokenTtlHours);
  requireArgument(ttlProblem === undefined, context, WORKER_JOIN_TOKEN_TTL_FIELD, ttlProblem ?? "");
  requireArgument(args.prepareHosts === undefined || typeof args.prepareHosts === "boolean", context, "prepareHosts", `${JSON.stringify(args.prepareHosts)} is not a boolean. Use true or false.`);
  requireArgument(
    args.containerdRestrictOomScoreAdj === undefined || args.prepareHosts !== false,
    context,
    "containerdRestrictOomScoreAdj",
    "is written by the host preparation, which prepareHosts: false turns off. Set restrict_oom_score_adj in your own containerd configuration instead.",
  );

  requireUpgradePackageArgs(context, args);
  validateEtcdBackupArgs(context, args.etcdBackup);
  requireCertificateSettings(context, args);
  validateEtcdRestoreArgs(context, args.etcdRestore);

  const voterField = external ? "etcdHosts" : "controlPlaneHosts";
  const voters = external ? etcdHosts : args.controlPlaneHosts;
  const placement = validated(context, () =>
    validatePlacement(voters.map((host) => host.failureDomain), failureDomains, args.tolerateZoneFailure ?? true, voterField),
  );
  const nodes: PlannedNode[] = [
    ...args.controlPlaneHosts.map((host, index) => ({ name: host.name, role: "control-plane" as const, zone: host.failureDomain, index, etcdVoter: !external })),
    ...etcdHosts.map((host, index) => ({ name: host.name, role: "etcd" as const, zone: host.failureDomain, index, etcdVoter: true })),
  ];
  const warnings = [...placement.warnings];
  if (lbHosts.length > 1 && args.virtualIp === undefined) {
    warnings.push("loadBalancerHosts: without virtualIp the API endpoint is the first load-balancer host only. Give virtualIp for failover.");
  }
  return {
    settings,
    etcdTopology,
    failureDomains,
    plan: { etcdTopology, zones: failureDomains, nodes, quorum: placement.quorum, warnings },
    prepareHosts: args.prepareHosts ?? true,
    lateChecks,
  };
}

/** Checks the arguments of an {@link ApiLoadBalancer}; throws an `ArgumentError` naming the field. */
export function validateApiLoadBalancerArgs(name: string, args: ApiLoadBalancerArgs): void {
  const context = `ApiLoadBalancer ${name}`;
  requireArgument(Array.isArray(args.hosts) && args.hosts.length > 0 && args.hosts.length <= 100, context, "hosts", "give 1 to 100 load-balancer hosts (2 with a virtualIp for failover).");
  const hostNames = new Set<string>();
  args.hosts.forEach((host, index) => {
    requireArgument(typeof host.name === "string" && NODE_NAME.test(host.name) && !hostNames.has(host.name), context, `hosts[${index}].name`, `${JSON.stringify(host.name)} must be a DNS label used once.`);
    hostNames.add(host.name);
  });
  requireArgument(Array.isArray(args.backends) && args.backends.length > 0, context, "backends", "give at least one backend server.");
  const backendNames = new Set<string>();
  args.backends.forEach((backend, index) => {
    requireArgument(typeof backend.name === "string" && BACKEND_NAME.test(backend.name) && !backendNames.has(backend.name), context, `backends[${index}].name`, `${JSON.stringify(backend.name)} must be letters, digits, '.', '_' or '-', used once.`);
    backendNames.add(backend.name);
    requireArgument(typeof backend.address !== "string" || isHostAddress(backend.address), context, `backends[${index}].address`, `${JSON.stringify(backend.address)} is not an IP address or DNS name.`);
  });
  requireArgument(args.frontendPort === undefined || isPort(args.frontendPort), context, "frontendPort", `${JSON.stringify(args.frontendPort)} is not a TCP port.`);
  requireArgument(args.backendPort === undefined || isPort(args.backendPort), context, "backendPort", `${JSON.stringify(args.backendPort)} is not a TCP port.`);
  requireArgument(args.healthCheckPath === undefined || HEALTH_PATH.test(args.healthCheckPath), context, "healthCheckPath", `${JSON.stringify(args.healthCheckPath)} must start with "/" and hold no spaces or quotes.`);
  requireArgument(args.healthCheckCaFile === undefined || FILE_PATH.test(args.healthCheckCaFile), context, "healthCheckCaFile", `${JSON.stringify(args.healthCheckCaFile)} must be an absolute path without spaces or quotes.`);
  requireArgument(args.healthCheckCertFile === undefined || (FILE_PATH.test(args.healthCheckCertFile) && args.healthCheckCaFile !== undefined), context, "healthCheckCertFile", `${JSON.stringify(args.healthCheckCertFile)} must be an absolute path without spaces or quotes, given together with healthCheckCaFile.`);
  requireArgument(args.maxConnections === undefined || isPositiveInteger(args.maxConnections), context, "maxConnections", `${JSON.stringify(args.maxConnections)} is not a positive whole number.`);
  requireArgument(args.hostReadyTimeoutMinutes === undefined || isPositiveInteger(args.hostReadyTimeoutMinutes), context, "hostReadyTimeoutMinutes", `${JSON.stringify(args.hostReadyTimeoutMinutes)} is not a positive whole number of minutes.`);
  checkVirtualIp(context, args);
  const addresses = new Map<unknown, string>();
  args.hosts.forEach((host, index) => {
    const first = addresses.get(host.privateAddress);
    requireArgument(first === undefined, context, `hosts[${index}].privateAddress`, `${String(host.privateAddress)} is also ${first}. Every load balancer needs its own address.`);
    addresses.set(host.privateAddress, `hosts[${index}] (${host.name})`);
    requireArgument(args.virtualIp === undefined || host.privateAddress !== args.virtualIp, context, `hosts[${index}].privateAddress`, `${args.virtualIp} is also virtualIp, which keepalived moves between the hosts. Give virtualIp a free address of their network.`);
  });
  args.backends.forEach((backend, index) => {
    requireArgument(args.virtualIp === undefined || backend.address !== args.virtualIp, context, `backends[${index}].address`, `${args.virtualIp} is the virtualIp: HAProxy would forward the API to itself. Give the control planes' own addresses.`);
  });
}
