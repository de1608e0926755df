import * as pulumi from "@pulumi/pulumi";
import { fakeHosts } from "../support/hosts";
import { installRecordingMocks, named, ofType, outputValue, Registration, settle } from "../support/recordingMocks";

const zones = ["zone-a", "zone-b", "zone-c"];
let registrations: Registration[];
let cluster: typeof import("../../../src/cluster");

beforeAll(async () => {
  registrations = await installRecordingMocks({ preview: true });
  cluster = await import("../../../src/cluster");
});

describe("preview mode (nothing has run, command outputs unknown)", () => {
  test("the whole graph is planned: every step of a 3+3 external cluster is registered", async () => {
    const etcd = new cluster.EtcdCluster("pv-etcd", { clusterName: "prod", zones, hosts: fakeHosts("etcd", 3, zones) });
    const cp = new cluster.KubeadmControlPlane("pv", {
      clusterName: "prod",
      zones,
      controlPlaneHosts: fakeHosts("cp", 3, zones),
      etcdTopology: "external",
      externalEtcd: etcd,
      apiServerEndpoint: "lb.example.com",
    });
    await settle(registrations);
    const names = ofType(registrations, "command:remote:Command").map((r) => r.name);
    // etcd: ready, files, start per member + membership + gate; control planes: ready, files per host, init, kubeconfig, CNI, token refresh,
    // first gate, then (external etcd) the other joins in parallel, an upgrade step per control plane and one gate
    // after them; the workers' token; the Nodes of control planes no longer planned deleted.
    expect(names).toHaveLength(3 * 3 + 2 + 3 * 2 + 5 + 2 + 1 + 1 + 3 + 1);
    expect(names).toContain("pv-node-membership");
    expect(names).toEqual(expect.arrayContaining(["pv-etcd-gate", "pv-cp-0-init", "pv-cp-2-join", "pv-joined-gate", "pv-kubeconfig"]));
    // The plan is known in preview, and the kubeconfig is secret there too.
    expect(await pulumi.isSecret(cp.kubeconfig)).toBe(true);
    expect((await outputValue(cp.quorum)).plan).toMatchObject({ voters: 3, quorumSize: 2, zoneFailuresTolerated: 1 });
    expect(String(named(registrations, "pv-cp-1-join").inputs.create)).toContain("kubeadm join");
  });

  test("bad input still throws at preview time, before any child", () => {
    const before = registrations.length;
    expect(() => new cluster.KubeadmControlPlane("bad", {
      clusterName: "prod", zones: ["zone-a", "zone-b"], controlPlaneHosts: fakeHosts("cp", 3, ["zone-a", "zone-b"]), etcdTopology: "stacked", apiServerEndpoint: "lb",
    })).toThrow(/zone/);
    expect(registrations.length).toBe(before);
  });
});
