import * as pulumi from "@pulumi/pulumi";
import type { HostsControlPlaneArgs } from "../../../src/hosts/args";
import { refusalsDuring } from "../../../src/testing";
import { installCloudMocks, ofType, outputValue, settle, unwrap, type Recorder } from "../support/cloudMocks";
import { BASTION_KEY, HOST_KEY } from "./support";

/** What the inventory stack exports: the machines' addresses, the login users, the bastion and an endpoint. */
const GOOD_OUTPUTS = {
  cpPublic: ["203.0.113.10", "203.0.113.11", "203.0.113.12"],
  cpPrivate: ["192.168.1.10", "192.168.1.11", "192.168.1.12"],
  lbAddresses: ["192.168.2.10", "192.168.2.11"],
  user: "admin",
  bastionHost: "bastion.example.net",
  bastionUser: "jump",
};

const RACKS = ["rack-a", "rack-b", "rack-c"];
const FIXED = { clusterName: "home", virtualIp: "192.168.2.100", virtualIpInterface: "eth0" };

/** The arguments as plain values. */
const plainArgs = (o: typeof GOOD_OUTPUTS): HostsControlPlaneArgs => ({
  ...FIXED,
  controlPlaneHosts: RACKS.map((rack, i) => ({ name: `cp-${i}`, address: o.cpPublic[i], privateAddress: o.cpPrivate[i], user: o.user, privateKey: HOST_KEY, failureDomain: rack })),
  loadBalancerHosts: [0, 1].map((i) => ({ name: `lb-${i}`, address: o.lbAddresses[i], user: o.user, privateKey: HOST_KEY, failureDomain: RACKS[i] })),
  bastion: { host: o.bastionHost, user: o.bastionUser, privateKey: BASTION_KEY },
});

/** The same arguments read from another stack, as a company stack passes them. */
function referencedArgs(): HostsControlPlaneArgs {
  const inventory = new pulumi.StackReference("org/inventory/lab");
  const entry = (name: string, i: number) => inventory.requireOutput(name).apply((list: string[]) => list[i]);
  const user = inventory.requireOutput("user") as pulumi.Output<string>;
  return {
    ...FIXED,
    controlPlaneHosts: RACKS.map((rack, i) => ({ name: `cp-${i}`, address: entry("cpPublic", i), privateAddress: entry("cpPrivate", i), user, privateKey: HOST_KEY, failureDomain: rack })),
    loadBalancerHosts: [0, 1].map((i) => ({ name: `lb-${i}`, address: entry("lbAddresses", i), user, privateKey: HOST_KEY, failureDomain: RACKS[i] })),
    bastion: { host: inventory.requireOutput("bastionHost") as pulumi.Output<string>, user: inventory.requireOutput("bastionUser") as pulumi.Output<string>, privateKey: BASTION_KEY },
  };
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** Builds the component under mocks whose `org/inventory/lab` stack exports `outputs`; records the refusals that failed the deployment. */
async function build(preview: boolean, args: () => HostsControlPlaneArgs, outputs: Record<string, unknown>) {
  const recorder = await installCloudMocks({ invokes: {}, resourceState: { [STACK_REFERENCE]: () => ({ outputs }) } }, preview);
  const { HostsControlPlane } = await import("../../../src/hosts");
  let cluster: InstanceType<typeof HostsControlPlane> | undefined;
  const errors = await refusalsDuring(async () => {
    cluster = new HostsControlPlane("home", args());
    await settle(recorder, 300);
  });
  return { recorder, errors, cluster: cluster! };
}

/** Every registration but the stack reference, as `type name inputs` (times left out), sorted. */
const children = (recorder: Recorder): string[] =>
  recorder.resources
    .filter((r) => r.type !== STACK_REFERENCE)
    .map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")}`)
    .sort();

describe.each([false, true])("HostsControlPlane addresses, users and bastion read from another stack (preview: %s)", (preview) => {
  test("build the same children, connections and scripts as the plain values", async () => {
    const plain = await build(preview, () => plainArgs(GOOD_OUTPUTS), GOOD_OUTPUTS);
    const referenced = await build(preview, referencedArgs, GOOD_OUTPUTS);
    expect(plain.errors).toEqual([]);
    expect(referenced.errors).toEqual([]);
    expect(ofType(referenced.recorder, STACK_REFERENCE)).toHaveLength(1);
    expect(ofType(referenced.recorder, "command:remote:Command").length).toBeGreaterThan(10);
    expect(children(referenced.recorder)).toEqual(children(plain.recorder));
    const prepare = ofType(referenced.recorder, "command:remote:Command").find((c) => c.name === "home-cp-1-prepare")!;
    expect(unwrap(prepare.inputs.connection)).toMatchObject({ host: "203.0.113.11", user: "admin", proxy: { host: "bastion.example.net", user: "jump" } });
    if (!preview) {
      expect((await outputValue(referenced.cluster.nodes)).map((node) => node.address)).toEqual(GOOD_OUTPUTS.cpPrivate);
    }
  });
});

describe.each([false, true])("a wrong value read from another stack (preview: %s)", (preview) => {
  const cpPrivate = (i: number, value: string) => GOOD_OUTPUTS.cpPrivate.map((address, j) => (j === i ? value : address));
  test.each<[string, Partial<typeof GOOD_OUTPUTS>, string]>([
    ["an address with a scheme", { cpPublic: ["ssh://203.0.113.10", "203.0.113.11", "203.0.113.12"] }, 'controlPlaneHosts[0].address: "ssh://203.0.113.10" is not an IP address or DNS name.'],
    ["two control planes on one address", { cpPrivate: cpPrivate(2, "192.168.1.10") }, "controlPlaneHosts[2].privateAddress: 192.168.1.10 is also controlPlaneHosts[0] (cp-0)."],
    ["a control plane inside the pod range", { cpPrivate: cpPrivate(1, "10.244.3.4") }, "controlPlaneHosts[1].privateAddress: 10.244.3.4 is inside podSubnet 10.244.0.0/16"],
    ["a control plane on the virtual IP", { cpPrivate: cpPrivate(0, "192.168.2.100") }, "controlPlaneHosts[0].privateAddress: 192.168.2.100 is also virtualIp"],
    ["a load balancer that is a control plane", { lbAddresses: ["192.168.1.11", "192.168.2.11"] }, "loadBalancerHosts[0].address: 192.168.1.11 is also a control plane"],
    ["a load balancer named, not numbered, with a virtual IP", { lbAddresses: ["lb0.example.net", "192.168.2.11"] }, 'loadBalancerHosts[0].privateAddress: "lb0.example.net" is not an IP address; keepalived sends VRRP adverts'],
    ["a login user with a space", { user: "ad min" }, 'controlPlaneHosts[0].user: "ad min" is not a user name.'],
    ["a bastion with a port in its address", { bastionHost: "bastion.example.net:2222" }, 'bastion.host: "bastion.example.net:2222" is not an IP address or DNS name.'],
    ["an empty bastion user", { bastionUser: "" }, 'bastion.user: "" is not a user name.'],
  ])("%s fails naming the field, before any child (no step touches a machine)", async (_label, wrong, message) => {
    const { recorder, errors } = await build(preview, referencedArgs, { ...GOOD_OUTPUTS, ...wrong });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`HostsControlPlane home: ${message}`);
    expect(recorder.resources.map((r) => r.type).sort()).toEqual(["pulumi-k8s-ha:hosts:HostsControlPlane", STACK_REFERENCE]);
  });
});

describe("addresses that are outputs", () => {
  test("apiServerEndpoint from another stack is checked too, and is the endpoint", async () => {
    const endpointArgs = (): HostsControlPlaneArgs => {
      const { loadBalancerHosts: _lb, virtualIp: _vip, virtualIpInterface: _if, ...rest } = plainArgs(GOOD_OUTPUTS);
      return { ...rest, apiServerEndpoint: new pulumi.StackReference("org/inventory/lab").requireOutput("endpoint") as pulumi.Output<string> };
    };
    const good = await build(false, endpointArgs, { endpoint: "api.lab.example" });
    expect(good.errors).toEqual([]);
    expect(await outputValue(good.cluster.apiServerEndpoint)).toBe("https://api.lab.example:6443");
    const bad = await build(true, endpointArgs, { endpoint: "https://api.lab.example" });
    expect(bad.errors).toEqual([expect.stringContaining('apiServerEndpoint: "https://api.lab.example" is not a host name or IP address.')]);
    expect(bad.recorder.resources.map((r) => r.type).sort()).toEqual(["pulumi-k8s-ha:hosts:HostsControlPlane", STACK_REFERENCE]);
  });

  test("a preview that cannot know an address yet (a resource not yet created) still shows every step, unchecked", async () => {
    const { recorder, errors } = await build(true, () => {
      const args = plainArgs(GOOD_OUTPUTS);
      args.controlPlaneHosts[2] = { ...args.controlPlaneHosts[2], address: pulumi.output(pulumi.unknown) as pulumi.Output<string> };
      return args;
    }, GOOD_OUTPUTS);
    expect(errors).toEqual([]);
    expect(ofType(recorder, "command:remote:Command").map((c) => c.name)).toContain("home-cp-2-prepare");
  });

  test("the same wrong value given plainly is still refused synchronously, before anything registers", async () => {
    await installCloudMocks({ invokes: {}, resourceState: {} }, true);
    const { HostsControlPlane } = await import("../../../src/hosts");
    const args = plainArgs({ ...GOOD_OUTPUTS, bastionHost: "bastion.example.net:2222" });
    expect(() => new HostsControlPlane("plain", args)).toThrow('HostsControlPlane plain: bastion.host: "bastion.example.net:2222" is not an IP address or DNS name.');
  });
});
