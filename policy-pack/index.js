// The pack the Pulumi CLI runs: every rule of pulumi-k8s-ha/policy, advisory unless the policy config file
// (`--policy-pack-config`) says "mandatory" for a rule or for "all".
require("pulumi-k8s-ha/policy").createPolicyPack();
