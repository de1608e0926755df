import * as pulumi from "@pulumi/pulumi";
import { installRecordingMocks, named, outputValue, Registration, unwrapSecret } from "../support/recordingMocks";

let registrations: Registration[];
let example: typeof import("../../../examples/own-hosts/program");

beforeAll(async () => {
  registrations = await installRecordingMocks();
  example = await import("../../../examples/own-hosts/program");
});

const host = (name: string, address: string, failureDomain: string) => ({ name, address, user: "ubuntu", failureDomain });

test("examples/own-hosts runs under mocks: VIP endpoint, nodes by rack, secret kubeconfig, healthy quorum", async () => {
  const outputs = example.stack({
    clusterName: "lab",
    controlPlaneHosts: [host("cp-0", "192.168.10.11", "rack-a"), host("cp-1", "192.168.10.12", "rack-b"), host("cp-2", "192.168.10.13", "rack-c")],
    loadBalancerHosts: [host("lb-0", "192.168.10.21", "rack-a"), host("lb-1", "192.168.10.22", "rack-b")],
    virtualIp: "192.168.10.100",
    virtualIpInterface: "eth0",
    bastion: { host: "203.0.113.9", user: "jump" },
    sshPrivateKey: pulumi.secret("EXAMPLE-KEY"),
  });
  expect(await outputValue(outputs.apiServerEndpoint)).toBe("https://192.168.10.100:6443");
  expect(await outputValue(outputs.nodesByZone)).toEqual({ "rack-a": ["cp-0"], "rack-b": ["cp-1"], "rack-c": ["cp-2"] });
  expect(await outputValue(outputs.planWarnings)).toEqual([]);
  expect(await (outputs.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
  expect(await outputValue(outputs.quorum)).toMatchObject({ plan: { voters: 3, zoneFailuresTolerated: 1 }, observed: { ok: true } });
  expect(await (outputs.workerJoinCommand as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
  expect(await outputValue(outputs.workerJoinCommand)).toBe(`kubeadm join 192.168.10.100:6443 --token ${await outputValue(outputs.workerJoinCommand.apply((c) => c.split(" ")[4]))} --discovery-token-ca-cert-hash ${await outputValue(outputs.caCertHash)}`);
  expect(unwrapSecret(named(registrations, "lab-lb-lb-1-haproxy").inputs.connection).proxy).toMatchObject({ host: "203.0.113.9", user: "jump", privateKey: "EXAMPLE-KEY" });
});
