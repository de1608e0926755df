import { installAwsMocks, isSecret, ofType, outputValue, settle } from "./support";

const CONFIG = { clusterName: "ex", adminCidrs: ["203.0.113.7/32"], apiAllowedCidrs: ["203.0.113.7/32"] };

describe.each([
  ["aws-stacked", "../../../examples/aws-stacked/program", 3, "stacked"],
  ["aws-external-etcd", "../../../examples/aws-external-etcd/program", 6, "external"],
])("examples/%s under mocks", (_name, modulePath, machines, topology) => {
  test.each([false, true])("preview %s: machines over 3 zones behind an internet-facing NLB", async (preview) => {
    const recorder = await installAwsMocks(preview);
    const { stack } = await import(modulePath);
    const outputs = stack(CONFIG);
    expect(Object.keys(outputs).sort()).toEqual(["apiServerEndpoint", "bastionPublicIp", "caCertHash", "kubeconfig", "nodesByZone", "quorum", "workerJoinCommand"]);
    await settle(recorder);
    const instances = ofType(recorder, "aws:ec2/instance:Instance").filter((i) => i.name !== "ex-bastion");
    expect(instances).toHaveLength(machines);
    expect(new Set(instances.map((i) => i.inputs.subnetId)).size).toBe(3);
    expect(ofType(recorder, "aws:lb/loadBalancer:LoadBalancer")[0].inputs.internal).toBe(false);
    if (!preview) {
      expect(await isSecret(outputs.kubeconfig)).toBe(true);
      expect(await outputValue(outputs.apiServerEndpoint)).toMatch(/^https:\/\/.*\.elb\.us-east-1\.amazonaws\.com:6443$/);
      const quorum = await outputValue<{ etcdTopology: string; plan: { zoneFailuresTolerated: number } }>(outputs.quorum);
      expect(quorum.etcdTopology).toBe(topology);
      expect(quorum.plan.zoneFailuresTolerated).toBe(1);
      expect(await outputValue(outputs.caCertHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await isSecret(outputs.workerJoinCommand)).toBe(true);
      expect(await outputValue(outputs.workerJoinCommand)).toMatch(/^kubeadm join .*\.elb\.us-east-1\.amazonaws\.com:6443 --token \S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    }
  });
});
