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

const NOW = Date.parse("2026-11-26T00:00:00Z");
const inDays = (days: number) => new Date(NOW + days * 86_400_000 + 3_600_000).toISOString().replace(/\.000Z$/, "Z");
/** A report read at NOW; `daysLeft` as read then, `notAfter` that many days (and an hour) later. */
const report = (node: string, leafDays: number, caDays: number, adminDays: number | null): CertificateExpiryReport => ({
  node,
  checkedAt: "2026-11-26T00:00:00Z",
  earliestLeaf: { file: "apiserver.crt", notAfter: inDays(leafDays), daysLeft: leafDays },
  ca: { file: "ca.crt", notAfter: inDays(caDays), daysLeft: caDays },
  adminKubeconfig: adminDays === null ? null : { file: "admin.conf", notAfter: inDays(adminDays), daysLeft: adminDays },
});
const FIX = "Set certificateRenewal (pulumi up renews them), upgrade Kubernetes, or run `kubeadm certs renew all` on each control plane, one at a time, and restart its static pods.";

test("warns per certificate under 30 days left, says expired when it is, and names the fix", () => {
  expect(expiryWarnings({ "cp-0": report("cp-0", 364, 3649, 364), "cp-1": report("cp-1", 30, 3649, null) }, NOW)).toEqual([]);
  expect(expiryWarnings({ "cp-0": report("cp-0", 29, 3649, -2) }, NOW)).toEqual([
    `cp-0: leaf certificate apiserver.crt expires ${inDays(29)} (29 days left). ${FIX}`,
    `cp-0: admin kubeconfig admin.conf expired ${inDays(-2)} (-2 days left). ${FIX}`,
  ]);
});

test("counts the days from now, not from when the report was read: a preview months later warns from the stored report", () => {
  const read = { "cp-0": report("cp-0", 364, 3649, 364) };
  expect(expiryWarnings(read, NOW + 300 * 86_400_000)).toEqual([]);
  expect(expiryWarnings(read, NOW + 340 * 86_400_000)).toEqual([
    `cp-0: leaf certificate apiserver.crt expires ${inDays(364)} (24 days left). ${FIX}`,
    `cp-0: admin kubeconfig admin.conf expires ${inDays(364)} (24 days left). ${FIX}`,
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
