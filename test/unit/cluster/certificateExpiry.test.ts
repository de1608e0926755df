/** The certificate expiry report: its warnings, and its steps on HostsControlPlane (opt-in, after the final gate). */
import { CertificateExpiryReport, expiryWarnings } from "../../../src/cluster/certificateExpiry";
import { installRecordingMocks, named, ofType, outputValue, Registration } from "../support/recordingMocks";
import { validArgs } from "../hosts/support";

jest.setTimeout(60_000);

let registrations: Registration[];
let hosts: typeof import("../../../src/hosts");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  hosts = await import("../../../src/hosts");
});
beforeEach(() => registrations.splice(0));

const report = (node: string, leafDays: number, caDays: number, adminDays: number | null): CertificateExpiryReport => ({
  node,
  checkedAt: "2026-11-26T00:00:00Z",
  earliestLeaf: { file: "apiserver.crt", notAfter: "2027-01-01T00:00:00Z", daysLeft: leafDays },
  ca: { file: "ca.crt", notAfter: "2036-01-01T00:00:00Z", daysLeft: caDays },
  adminKubeconfig: adminDays === null ? null : { file: "admin.conf", notAfter: "2026-12-01T00:00:00Z", daysLeft: adminDays },
});

test("warns per certificate under 30 days left, says expired when it is, and names the fix", () => {
  expect(expiryWarnings({ "cp-0": report("cp-0", 364, 3649, 364), "cp-1": report("cp-1", 30, 3649, null) })).toEqual([]);
  expect(expiryWarnings({ "cp-0": report("cp-0", 29, 3649, -2) })).toEqual([
    "cp-0: leaf certificate apiserver.crt expires 2027-01-01T00:00:00Z (29 days left). Renew with `kubeadm certs renew all` on each control plane, one at a time, and restart its static pods.",
    "cp-0: admin kubeconfig admin.conf expired 2026-12-01T00:00:00Z (-2 days left). Renew with `kubeadm certs renew all` on each control plane, one at a time, and restart its static pods.",
  ]);
});

test("off by default: no certificate step, the output is undefined", async () => {
  const cluster = new hosts.HostsControlPlane("nocert", validArgs());
  expect(await outputValue(cluster.certificateExpiry)).toBeUndefined();
  expect(ofType(registrations, "command:remote:Command").filter((c) => c.name.endsWith("-certificates"))).toEqual([]);
});

test("reportCertificateExpiry: one read-only step per control plane after the final gate, reports by node name", async () => {
  const cluster = new hosts.HostsControlPlane("cert", validArgs({ reportCertificateExpiry: true }));
  const reports = await outputValue(cluster.certificateExpiry);
  expect(Object.keys(reports!)).toEqual(["cp-0", "cp-1", "cp-2"]);
  const finalGate = named(registrations, "cert-control-plane-cp-2-gate");
  for (const i of [0, 1, 2]) {
    const step = named(registrations, `cert-control-plane-cp-${i}-certificates`);
    expect(step.arrived).toBeGreaterThan(finalGate.resolved!);
    expect(String(step.inputs.create)).toContain(`readonly NODE='\\''cp-${i}'\\''`);
  }
});
