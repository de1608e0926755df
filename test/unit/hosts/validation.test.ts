import { ArgumentError } from "../../../src/cluster/argumentError";
import type { HostsControlPlaneArgs } from "../../../src/hosts/args";
import { installRecordingMocks, Registration } from "../support/recordingMocks";
import { hostSpecs, HOST_KEY, validArgs } from "./support";

let registrations: Registration[];
let hosts: typeof import("../../../src/hosts");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  hosts = await import("../../../src/hosts");
});
beforeEach(() => registrations.splice(0));

const cp = hostSpecs("cp", 3, 1);
const withCp = (index: number, change: object) => cp.map((host, i) => (i === index ? { ...host, ...change } : host));

const cases: [string, Partial<HostsControlPlaneArgs>, string, string][] = [
  ["bad cluster name", { clusterName: "Home_Lab" }, "clusterName", "clusterName"],
  ["no control planes", { controlPlaneHosts: [] }, "controlPlaneHosts", "give at least one control-plane host (3 for HA)."],
  ["even stacked control planes", { controlPlaneHosts: hostSpecs("cp", 4, 1) }, "controlPlaneHosts", "odd"],
  ["all in one rack", { controlPlaneHosts: cp.map((h) => ({ ...h, failureDomain: "rack-a" })), failureDomains: ["rack-a", "rack-b"] }, "controlPlaneHosts", "tolerateZoneFailure: false"],
  ["duplicate host name", { controlPlaneHosts: withCp(2, { name: "cp-0" }) }, "controlPlaneHosts[2].name", '"cp-0" is used twice. Give every host its own name.'],
  ["name not a DNS label", { controlPlaneHosts: withCp(1, { name: "CP_1" }) }, "controlPlaneHosts[1].name", '"CP_1" is not a DNS label'],
  ["certificate name with a port", { extraCertSans: ["api.example.com", "10.0.0.1:6443"] }, "extraCertSans", 'entry 1 ("10.0.0.1:6443") is not a DNS name or IP address.'],
  ["address with a scheme", { controlPlaneHosts: withCp(0, { address: "ssh://192.168.1.10" }) }, "controlPlaneHosts[0].address", '"ssh://192.168.1.10" is not an IP address or DNS name.'],
  ["address with a port", { controlPlaneHosts: withCp(1, { address: "192.168.1.11:2222" }) }, "controlPlaneHosts[1].address", '"192.168.1.11:2222" is not an IP address or DNS name. Give the address the program reaches the machine at over SSH.'],
  ["private address with a path", { controlPlaneHosts: withCp(2, { privateAddress: "cp-2.lab/24" }) }, "controlPlaneHosts[2].privateAddress", '"cp-2.lab/24" is not an IP address or DNS name.'],
  ["bastion with a port in its address", { bastion: { host: "203.0.113.5:2222", user: "jump", privateKey: HOST_KEY } }, "bastion.host", '"203.0.113.5:2222" is not an IP address or DNS name.'],
  ["endpoint with a label ending in '-'", { loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined, apiServerEndpoint: "api-.example.internal" }, "apiServerEndpoint", "Give it without scheme or port"],
  ["empty user", { controlPlaneHosts: withCp(0, { user: "" }) }, "controlPlaneHosts[0].user", '"" is not a user name.'],
  ["missing private key", { controlPlaneHosts: withCp(1, { privateKey: "" }) }, "controlPlaneHosts[1].privateKey", "is missing."],
  ["port out of range", { controlPlaneHosts: withCp(2, { port: 70000 }) }, "controlPlaneHosts[2].port", "70000 is not a TCP port."],
  ["unknown failure domain", { controlPlaneHosts: withCp(2, { failureDomain: "rack-z" }), failureDomains: ["rack-a", "rack-b", "rack-c"] }, "controlPlaneHosts[2].failureDomain", '"rack-z" is not one of failureDomains (rack-a, rack-b, rack-c).'],
  ["bad failure domain name", { failureDomains: ["Rack A"] }, "failureDomains", "is not a valid zone name"],
  ["both endpoint kinds", { apiServerEndpoint: "api.example.internal" }, "loadBalancerHosts", "cannot be combined with apiServerEndpoint."],
  ["no endpoint at all", { loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined }, "apiServerEndpoint", "is missing. Give apiServerEndpoint (a load balancer you run) or loadBalancerHosts (HAProxy on them)."],
  ["endpoint with port", { loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined, apiServerEndpoint: "api.example.internal:6443" }, "apiServerEndpoint", "Give it without scheme or port"],
  ["virtual IP without LB hosts", { loadBalancerHosts: undefined, apiServerEndpoint: "api.example.internal" }, "virtualIp", "needs loadBalancerHosts (keepalived runs there)."],
  ["virtual IP not an IP", { virtualIp: "vip.example" }, "virtualIp", '"vip.example" is not an IP address.'],
  ["virtual IP without interface", { virtualIpInterface: undefined }, "virtualIpInterface", "undefined is not a network interface name."],
  ["interface without virtual IP", { virtualIp: undefined }, "virtualIpInterface", "is only used with virtualIp."],
  ["router id out of range", { virtualRouterId: 256 }, "virtualRouterId", "256 is not a VRRP router id."],
  ["LB host is a control plane", { loadBalancerHosts: [{ ...hostSpecs("lb", 1, 2)[0], address: "192.168.1.10" }] }, "loadBalancerHosts[0].address", "192.168.1.10 is also a control plane: HAProxy and kube-apiserver would both bind port 6443."],
  ["LB host named by DNS with a VIP", { loadBalancerHosts: [{ ...hostSpecs("lb", 1, 2)[0], address: "lb0.example" }] }, "loadBalancerHosts[0].privateAddress", "keepalived sends VRRP adverts to the peers' IP addresses"],
  ["two control planes on one address", { controlPlaneHosts: withCp(2, { address: "192.168.1.10" }) }, "controlPlaneHosts[2].address", "192.168.1.10 is also controlPlaneHosts[0] (cp-0). Every machine needs its own address"],
  ["an etcd host on a control plane's private address", { etcdTopology: "external", etcdHosts: hostSpecs("etcd", 3, 3).map((h, i) => (i === 1 ? { ...h, privateAddress: "192.168.1.11" } : h)) }, "etcdHosts[1].privateAddress", "192.168.1.11 is also controlPlaneHosts[1] (cp-1)."],
  ["two LB hosts on one address", { loadBalancerHosts: hostSpecs("lb", 2, 2).map((h) => ({ ...h, address: "192.168.2.10" })) }, "loadBalancerHosts[1].address", "192.168.2.10 is also loadBalancerHosts[0] (lb-0)."],
  ["virtual IP is a load balancer's address", { virtualIp: "192.168.2.11" }, "loadBalancerHosts[1].address", "192.168.2.11 is also virtualIp, which keepalived moves between the load balancers."],
  ["hosts inside the pod range", { podSubnet: "192.168.0.0/16", virtualIp: "172.16.0.100" }, "controlPlaneHosts[0].address", "192.168.1.10 is inside podSubnet 192.168.0.0/16: traffic to it would be routed into the cluster"],
  ["virtual IP inside the service range", { virtualIp: "10.96.0.10" }, "virtualIp", "10.96.0.10 is inside serviceSubnet 10.96.0.0/12: traffic to it would be routed into the cluster"],
  ["your endpoint inside the pod range", { loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined, apiServerEndpoint: "10.244.0.1" }, "apiServerEndpoint", "10.244.0.1 is inside podSubnet 10.244.0.0/16"],
  ["a host inside the service range", { controlPlaneHosts: withCp(1, { privateAddress: "10.96.0.20" }) }, "controlPlaneHosts[1].privateAddress", "10.96.0.20 is inside serviceSubnet 10.96.0.0/12"],
  ["etcd hosts with stacked", { etcdHosts: hostSpecs("etcd", 3, 3) }, "etcdHosts", 'is only for etcdTopology "external".'],
  ["external without etcd hosts", { etcdTopology: "external" }, "etcdHosts", 'is required with etcdTopology "external".'],
  ["unknown topology", { etcdTopology: "sideways" as never }, "etcdTopology", '"sideways" is not a topology.'],
  ["bastion without user", { bastion: { host: "203.0.113.5", user: "", privateKey: HOST_KEY } }, "bastion.user", '"" is not a user name.'],
  ["http CNI", { cniManifestUrl: "http://example.com/cni.yaml" }, "cniManifestUrl", "must be an https URL"],
  ["ignore every preflight check", { ignorePreflightErrors: ["SystemVerification", "all"] }, "ignorePreflightErrors[1]", '"all" is not a preflight check name. Name each check as kubeadm prints it'],
  ["preflight check with a space", { ignorePreflightErrors: ["Num CPU"] }, "ignorePreflightErrors[0]", '"Num CPU" is not a preflight check name.'],
  ["containerd setting without preparation", { prepareHosts: false, containerdRestrictOomScoreAdj: true }, "containerdRestrictOomScoreAdj", "is written by the host preparation, which prepareHosts: false turns off."],
  ["zero HAProxy connections", { loadBalancerMaxConnections: 0 }, "loadBalancerMaxConnections", "0 must be a positive whole number, given together with loadBalancerHosts."],
  ["HAProxy connections without LB hosts", { loadBalancerHosts: undefined, virtualIp: undefined, virtualIpInterface: undefined, apiServerEndpoint: "api.example.internal", loadBalancerMaxConnections: 4000 }, "loadBalancerMaxConnections", "4000 must be a positive whole number, given together with loadBalancerHosts."],
  ["negative conntrack per core", { kubeProxyConntrackMaxPerCore: -1 }, "kubeProxyConntrackMaxPerCore", "-1 must be an integer >= 0 (0 leaves nf_conntrack_max alone)."],
  ["overlapping subnets", { podSubnet: "10.96.0.0/16" }, "serviceSubnet", "overlap"],
  ["fractional gate timeout", { gateTimeoutSeconds: 1.5 }, "gateTimeoutSeconds", "1.5 is not a positive whole number of seconds."],
  ["certificate validity in days", { certificateValidityPeriod: "365d" }, "certificateValidityPeriod", '"365d" is not whole hours from "1h" to "43800h". Give e.g. "8760h" (one year, kubeadm\'s default).'],
  ["certificate validity beyond the CAs", { certificateValidityPeriod: "90000h" }, "certificateValidityPeriod", 'is not whole hours from "1h" to "43800h"'],
  ["renewal window as text", { certificateRenewal: { renewWithinDays: "30" as unknown as number } }, "certificateRenewal.renewWithinDays", '"30" is not a whole number of days from 1 to 365.'],
  ["renewal window of 0 days", { certificateRenewal: { renewWithinDays: 0 } }, "certificateRenewal.renewWithinDays", "0 is not a whole number of days from 1 to 365."],
  ["renewal window not shorter than the validity", { certificateValidityPeriod: "720h", certificateRenewal: { renewWithinDays: 30 } }, "certificateRenewal.renewWithinDays", "30 days is not shorter than the certificates' validity (720h): every update would renew them."],
  ["renewal as a boolean", { certificateRenewal: true as unknown as { renewWithinDays: number } }, "certificateRenewal", "must be an object such as { renewWithinDays: 30 }."],
  ["worker token TTL as text", { workerJoinTokenTtlHours: "24" as unknown as number }, "workerJoinTokenTtlHours", '"24" is not a whole number of hours from 1 to 8760. Give e.g. 24 (a day) or 168 (a week), and run pulumi up within that time of any worker join.'],
];

test.each(cases)("%s: ArgumentError on %s before anything registers", (_label, overrides, field, message) => {
  let error: unknown;
  try {
    new hosts.HostsControlPlane("bad", validArgs(overrides));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ArgumentError);
  const argumentError = error as InstanceType<typeof ArgumentError>;
  expect({ field: argumentError.field, startsWith: argumentError.message.startsWith("HostsControlPlane bad: ") }).toEqual({ field, startsWith: true });
  expect(argumentError.message).toContain(message);
  expect(registrations).toEqual([]);
});

test("the valid base arguments pass (the table's failures come from the overrides)", () => {
  expect(() => hosts.validateHostsControlPlaneArgs("ok", validArgs())).not.toThrow();
});

test.each([
  ["no hosts", { hosts: [] }, "hosts"],
  ["certificate without CA", { healthCheckCertFile: "/etc/check.pem" }, "healthCheckCertFile"],
  ["bad backend name", { backends: [{ name: "a b", address: "10.0.0.1" }] }, "backends[0].name"],
  ["zero connections", { maxConnections: 0 }, "maxConnections"],
  ["two hosts on one address", { hosts: ["lb-0", "lb-1"].map((name) => ({ name, zone: "a", privateAddress: "10.0.0.5", connection: { host: "10.0.0.5", privateKey: HOST_KEY } })) }, "hosts[1].privateAddress"],
  ["virtual IP is a host's address", { virtualIp: "10.0.0.5", virtualIpInterface: "eth0" }, "hosts[0].privateAddress"],
  ["virtual IP is a backend", { virtualIp: "10.0.0.1", virtualIpInterface: "eth0" }, "backends[0].address"],
])("ApiLoadBalancer %s: ArgumentError on %s", (_label, overrides, field) => {
  const base = {
    hosts: [{ name: "lb-0", zone: "a", privateAddress: "10.0.0.5", connection: { host: "10.0.0.5", privateKey: HOST_KEY } }],
    backends: [{ name: "cp-0", address: "10.0.0.1" }],
  };
  expect(() => new hosts.ApiLoadBalancer("bad", { ...base, ...overrides })).toThrow(expect.objectContaining({ field }));
  expect(registrations).toEqual([]);
});
