/** Certificate renewal by pulumi up: its steps on HostsControlPlane (opt-in, after the final gate, one machine at a time). */
import { scriptOfRootCommand } from "../../../src/bootstrap/scripts/shell";
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

const steps = () => ofType(registrations, "command:remote:Command").filter((c) => c.name.endsWith("-certificate-renewal"));
const script = (r: Registration) => scriptOfRootCommand(String(r.inputs.create));
const base64Parameter = (text: string, name: string) => Buffer.from(new RegExp(`readonly ${name}='([^']*)'`).exec(text)![1], "base64").toString("utf8");

test("off by default: no renewal step; the kubeconfig is read once, right after init, with no trigger", async () => {
  const cluster = new hosts.HostsControlPlane("norenew", validArgs({ reportCertificateExpiry: true }));
  await outputValue(cluster.certificateExpiry);
  expect(steps()).toEqual([]);
  const fetch = named(registrations, "norenew-control-plane-kubeconfig");
  expect(fetch.arrived).toBeLessThan(named(registrations, "norenew-control-plane-cp-1-join").arrived);
  expect(fetch.inputs.triggers).toBeUndefined();
  // The expiry report is read again when the version changes (an upgrade renews the certificates).
  expect(named(registrations, "norenew-control-plane-cp-0-certificates").inputs.triggers).toEqual(["1.34.2"]);
});

test("certificateRenewal: one step per control plane after the final gate, in turn; kubeconfig and report read again after them", async () => {
  const cluster = new hosts.HostsControlPlane("renew", validArgs({ reportCertificateExpiry: true, certificateValidityPeriod: "4380h", certificateRenewal: { renewWithinDays: 20 } }));
  await outputValue(cluster.kubeconfig);
  await outputValue(cluster.certificateExpiry);
  const finalGate = named(registrations, "renew-control-plane-cp-2-gate");
  const renewals = ["cp-0", "cp-1", "cp-2"].map((n) => named(registrations, `renew-control-plane-${n}-certificate-renewal`));
  expect(renewals[0].arrived).toBeGreaterThan(finalGate.resolved!);
  expect(renewals[1].arrived).toBeGreaterThan(renewals[0].resolved!);
  expect(renewals[2].arrived).toBeGreaterThan(renewals[1].resolved!);
  const fetch = named(registrations, "renew-control-plane-kubeconfig");
  expect(fetch.arrived).toBeGreaterThan(renewals[2].resolved!);
  expect(named(registrations, "renew-control-plane-cp-0-certificates").arrived).toBeGreaterThan(renewals[2].resolved!);

  // One time per update is the trigger of each renewal step, of the kubeconfig read, of the report and of the workers' token.
  const [time] = renewals[0].inputs.triggers as string[];
  expect(Date.now() - Date.parse(time)).toBeLessThan(60_000);
  for (const r of [...renewals, fetch, named(registrations, "renew-control-plane-cp-1-certificates"), named(registrations, "renew-control-plane-worker-token")]) {
    expect(r.inputs.triggers).toEqual([time]);
  }

  renewals.forEach((r, i) => {
    const text = script(r);
    expect(text).toContain(`readonly NODE_NAME='cp-${i}'`);
    expect(text).toContain("readonly RENEW_WITHIN_DAYS='20'");
    expect(text).toContain("readonly STACKED_ETCD='true'");
    expect(text).toContain(`readonly FIRST='${i === 0}'`);
    // kubeadm's --config: this machine, and the validity the renewal applies; no bootstrap token.
    const config = base64Parameter(text, "KUBEADM_CONFIG_B64");
    expect(config).toContain(`name: cp-${i}`);
    expect(config).toContain("certificateValidityPeriod: 4380h");
    expect(config).not.toContain("bootstrapTokens");
    // The quorum gate, embedded, runs before anything restarts.
    expect(base64Parameter(text, "PREFLIGHT_GATE_B64")).toContain("quorum gate");
  });
});
