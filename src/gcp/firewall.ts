import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterTags, gcpName, healthCheckRanges } from "./names";
import type { GcpSettings } from "./settings";

/** One ingress rule, before it becomes a `compute.Firewall`. */
export interface FirewallRuleSpec {
  /** Suffix of the rule's name (`<clusterName>-<suffix>`) and of its Pulumi name. */
  suffix: string;
  /** What the rule is for. */
  description: string;
  /** Allowed protocols and ports. */
  allows: { protocol: string; ports?: string[] }[];
  /** Network tags the rule applies to. */
  targetTags: string[];
  /** Source ranges (OR-ed with `sourceTags`). */
  sourceRanges: pulumi.Input<string>[];
  /** Source network tags (OR-ed with `sourceRanges`). */
  sourceTags: string[];
}

/** What the rules depend on besides the settings. */
export interface FirewallInputs {
  /** The cluster's network tags. */
  tags: ClusterTags;
  /** Cloud NAT's address, admitted to 6443 when the API load balancer is internet-facing. */
  natAddress?: pulumi.Input<string>;
}

/**
 * The least-privilege ingress rules of a cluster. Only 6443 (`apiAllowedCidrs`) may be open to the world;
 * etcd clients (2379) come only from control planes (and, with external etcd, from the members' own quorum
 * checks), etcd peers (2380) only from voters, kubelet (10250) and the CNI (BGP 179, VXLAN 4789, IP-in-IP)
 * only from control planes, SSH only from the bastion or `adminCidrs`. Every rule has a source: a GCP rule
 * without one would admit 0.0.0.0/0.
 */
export function firewallRuleSpecs(settings: GcpSettings, inputs: FirewallInputs): FirewallRuleSpec[] {
  const { tags } = inputs;
  const external = settings.etcdTopology === "external";
  const voterTag = external ? tags.etcd : tags.controlPlane;
  const machineTags = external ? [tags.controlPlane, tags.etcd] : [tags.controlPlane];
  const apiPort = String(settings.cluster.apiServerPort);
  const natSource = settings.apiLoadBalancerScheme === "internet-facing" && inputs.natAddress !== undefined ? [inputs.natAddress] : [];
  const rules: FirewallRuleSpec[] = [
    rule(
      "api-health-checks",
      "Kubernetes API from Google's load balancer health checkers",
      tcp(apiPort),
      [tags.controlPlane],
      healthCheckRanges(settings.apiLoadBalancerScheme),
      [],
    ),
    rule(
      "api-cluster",
      "Kubernetes API from the control planes (directly, through an internal load balancer, or via Cloud NAT)",
      tcp(apiPort),
      [tags.controlPlane],
      natSource.map((address) => pulumi.interpolate`${address}/32`),
      [tags.controlPlane],
    ),
    rule("etcd-client", "etcd clients: kube-apiserver and the quorum checks", tcp("2379"), [voterTag], [], external ? machineTags : [voterTag]),
    rule("etcd-peer", "etcd peer traffic between voters", tcp("2380"), [voterTag], [], [voterTag]),
    rule("kubelet", "kubelet API from the control planes", tcp("10250"), [tags.controlPlane], [], [tags.controlPlane]),
    rule(
      "cni",
      "pod network between control planes (BGP, VXLAN, IP-in-IP)",
      [{ protocol: "tcp", ports: ["179"] }, { protocol: "udp", ports: ["4789"] }, { protocol: "ipip" }],
      [tags.controlPlane],
      [],
      [tags.controlPlane],
    ),
    settings.createBastion
      ? rule("ssh", "SSH from the bastion", tcp("22"), machineTags, [], [tags.bastion])
      : rule("ssh", "SSH from the admin ranges", tcp("22"), machineTags, settings.adminCidrs, []),
  ];
  if (settings.apiAllowedCidrs.length > 0) {
    rules.unshift(rule("api", "Kubernetes API from apiAllowedCidrs", tcp(apiPort), [tags.controlPlane], settings.apiAllowedCidrs, []));
  }
  if (settings.createBastion) {
    rules.push(rule("bastion-ssh", "SSH to the bastion from the admin ranges", tcp("22"), [tags.bastion], settings.adminCidrs, []));
  }
  return rules;
}

/** Creates the rules of {@link firewallRuleSpecs} on `network`. */
export function createFirewall(
  name: string,
  settings: GcpSettings,
  inputs: FirewallInputs,
  network: pulumi.Input<string>,
  parent: pulumi.Resource,
): compute.Firewall[] {
  return firewallRuleSpecs(settings, inputs).map((spec) => {
    if (spec.sourceRanges.length === 0 && spec.sourceTags.length === 0) {
      throw new Error(`firewall rule ${spec.suffix} has no source; GCP would admit 0.0.0.0/0`);
    }
    return new compute.Firewall(
      `${name}-fw-${spec.suffix}`,
      {
        name: gcpName(settings.cluster.clusterName, spec.suffix),
        description: spec.description,
        network,
        direction: "INGRESS",
        allows: spec.allows,
        targetTags: spec.targetTags,
        sourceRanges: spec.sourceRanges.length > 0 ? spec.sourceRanges : undefined,
        sourceTags: spec.sourceTags.length > 0 ? spec.sourceTags : undefined,
      },
      { parent },
    );
  });
}

/** One TCP port. */
function tcp(port: string): { protocol: string; ports: string[] }[] {
  return [{ protocol: "tcp", ports: [port] }];
}

/** A rule spec. */
function rule(
  suffix: string,
  description: string,
  allows: FirewallRuleSpec["allows"],
  targetTags: string[],
  sourceRanges: pulumi.Input<string>[],
  sourceTags: string[],
): FirewallRuleSpec {
  return { suffix, description, allows, targetTags, sourceRanges, sourceTags };
}
