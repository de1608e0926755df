import { ec2BelowKubeadmMinimum, gceBelowKubeadmMinimum } from "../../../src/cloud/kubeadmMinimum";

test.each(["t3.micro", "t4g.nano", "t2.small", "m6g.medium", "c7g.medium", "a1.medium"])("EC2 %s is below kubeadm's control-plane minimum", (type) => {
  expect(ec2BelowKubeadmMinimum(type)).toMatch(/below kubeadm's minimum/);
});

test.each(["t3.small", "t3.medium", "t2.medium", "m5.large", "c6g.large", "m7i.xlarge"])("EC2 %s is not known to be below it", (type) => {
  expect(ec2BelowKubeadmMinimum(type)).toBeUndefined();
});

test.each(["f1-micro", "g1-small", "e2-micro", "n1-standard-1", "n2d-highmem-1", "custom-1-4096", "n2-custom-2-1024", "custom-2-1536-ext"])("GCE %s is below it", (type) => {
  expect(gceBelowKubeadmMinimum(type)).toMatch(/below kubeadm's minimum/);
});

test.each(["e2-small", "e2-medium", "e2-standard-2", "n1-highcpu-2", "custom-2-2048", "n2-custom-4-8192"])("GCE %s is not known to be below it", (type) => {
  expect(gceBelowKubeadmMinimum(type)).toBeUndefined();
});
