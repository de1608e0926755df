import { installRecordingMocks, named, ofType, Registration, settle } from "../support/recordingMocks";
import { validArgs } from "./support";

let registrations: Registration[];
let hosts: typeof import("../../../src/hosts");

beforeAll(async () => {
  registrations = await installRecordingMocks({ preview: true });
  hosts = await import("../../../src/hosts");
});

test("preview registers the preparation, load-balancer and bootstrap steps without running anything", async () => {
  new hosts.HostsControlPlane("pv", validArgs());
  await settle(registrations);
  expect(named(registrations, "pv").type).toBe("pulumi-k8s-ha:hosts:HostsControlPlane");
  const names = ofType(registrations, "command:remote:Command").map((r) => r.name);
  expect(names).toEqual(expect.arrayContaining(["pv-cp-0-prepare", "pv-lb-lb-0-packages", "pv-lb-lb-0-haproxy", "pv-lb-lb-1-keepalived", "pv-control-plane-cp-0-ready"]));
  // The whole graph shows in preview although the endpoint (the steps' stdout) is unknown there.
  expect(names).toEqual(expect.arrayContaining(["pv-control-plane-cp-0-init", "pv-control-plane-cp-1-join", "pv-control-plane-cp-2-join", "pv-control-plane-cp-2-gate"]));
  expect(names).toHaveLength(29);
  expect(names).toEqual(expect.arrayContaining(["pv-control-plane-cp-0-upgrade", "pv-control-plane-cp-2-upgrade"]));
  expect(names).toContain("pv-control-plane-worker-token");
  expect(names).toContain("pv-control-plane-membership");
  expect(names).toContain("pv-control-plane-token-refresh");
});
