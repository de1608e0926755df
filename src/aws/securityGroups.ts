import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import * as pulumi from "@pulumi/pulumi";

/** Where a rule's traffic comes from (ingress) or goes to (egress): a CIDR or another security group. */
interface Peer {
  /** IPv4 CIDR. */
  cidr?: pulumi.Input<string>;
  /** Security group id. */
  group?: pulumi.Input<string>;
}

/** One rule: protocol (`tcp`, `udp`, `-1` for all, or a protocol number) and port. */
interface Rule {
  /** Child name suffix, e.g. `cp-in-etcd-peer`. */
  id: string;
  /** Human-readable purpose, shown in the AWS console. */
  description: string;
  /** IP protocol. */
  protocol: string;
  /** Port; undefined for all-protocol and IP-in-IP rules. */
  port?: number;
  /** Source (ingress) or destination (egress). */
  peer: Peer;
}

/** The component's security groups; every rule is a separate resource so reviews see each one. */
export interface ClusterSecurityGroups {
  /** On every control plane. */
  controlPlane: ec2.SecurityGroup;
  /** On every external etcd member (external topology only). */
  etcd?: ec2.SecurityGroup;
  /** On the network load balancer. */
  loadBalancer: ec2.SecurityGroup;
  /** On the bastion (when created). */
  bastion?: ec2.SecurityGroup;
  /** The rules that let the program's SSH in: commands wait for them. */
  sshRules: pulumi.Resource[];
}

/** What {@link clusterSecurityGroups} needs. */
export interface SecurityGroupContext {
  /** Component name, prefix of every child name. */
  name: string;
  /** The VPC. */
  vpcId: pulumi.Input<string>;
  /** Whether etcd runs on the control planes. */
  stacked: boolean;
  /** Whether a bastion is created (SSH to the machines only from it) or not (SSH from `adminCidrs`). */
  bastion: boolean;
  /** CIDRs allowed to the API on the load balancer. */
  apiAllowedCidrs: pulumi.Input<string>[];
  /** CIDRs allowed to SSH (to the bastion, or to the machines without one). */
  adminCidrs: pulumi.Input<string>[];
  /** API server port. */
  apiPort: number;
  /** Tags for a resource given its `Name` tag. */
  tags: (resourceName: string) => Record<string, string>;
  /** Parent of every child. */
  parent: pulumi.Resource;
}

const EVERYWHERE = "0.0.0.0/0";

/**
 * Least-privilege security groups: the API port on the load balancer from `apiAllowedCidrs` and the control
 * planes; the API on the control planes from the load balancer and each other; etcd client port from the
 * control planes (and, external, the members' own quorum checks), peer port between voters only; kubelet and
 * the CNI (BGP, IP-in-IP, VXLAN) between control planes; SSH from the bastion or `adminCidrs`. Only the API
 * may be open to 0.0.0.0/0, and only when `apiAllowedCidrs` says so. Machines may send anywhere (packages,
 * images); the bastion only SSH to the machines and HTTP(S) for its own updates.
 */
export function clusterSecurityGroups(ctx: SecurityGroupContext): ClusterSecurityGroups {
  const group = (id: string, description: string) =>
    new ec2.SecurityGroup(`${ctx.name}-${id}`, { vpcId: ctx.vpcId, description, tags: ctx.tags(`${ctx.name}-${id}`) }, { parent: ctx.parent });
  const controlPlane = group("cp", "Kubernetes control planes");
  const etcd = ctx.stacked ? undefined : group("etcd", "External etcd members");
  const loadBalancer = group("api-lb", "Kubernetes API network load balancer");
  const bastion = ctx.bastion ? group("bastion", "SSH bastion") : undefined;
  const cp = { group: controlPlane.id };
  const port = ctx.apiPort;

  addRules(ctx, loadBalancer, "ingress", [
    ...ctx.apiAllowedCidrs.map((cidr, i) => tcp(`api-lb-in-api-${i}`, "Kubernetes API from an allowed network", port, { cidr })),
    tcp("api-lb-in-api-cp", "Kubernetes API from the control planes (hairpin through the NLB)", port, cp),
  ]);
  addRules(ctx, loadBalancer, "egress", [tcp("api-lb-out-cp", "API traffic and /readyz health checks to the control planes", port, cp)]);

  addRules(ctx, controlPlane, "ingress", [
    tcp("cp-in-api-lb", "Kubernetes API from the load balancer", port, { group: loadBalancer.id }),
    tcp("cp-in-api-cp", "Kubernetes API between control planes", port, cp),
    tcp("cp-in-kubelet", "kubelet API inside the cluster", 10250, cp),
    ...(ctx.stacked
      ? [tcp("cp-in-etcd-client", "etcd clients: control planes", 2379, cp), tcp("cp-in-etcd-peer", "etcd peers: voters only", 2380, cp)]
      : []),
    tcp("cp-in-bgp", "CNI BGP between nodes", 179, cp),
    { id: "cp-in-ipip", description: "CNI IP-in-IP between nodes", protocol: "4", peer: cp },
    { id: "cp-in-vxlan", description: "CNI VXLAN between nodes", protocol: "udp", port: 4789, peer: cp },
  ]);
  addRules(ctx, controlPlane, "egress", [{ id: "cp-out-all", description: "Packages, images and cluster traffic", protocol: "-1", peer: { cidr: EVERYWHERE } }]);

  if (etcd) {
    const members = { group: etcd.id };
    addRules(ctx, etcd, "ingress", [
      tcp("etcd-in-client-cp", "etcd clients: control planes", 2379, cp),
      tcp("etcd-in-client-etcd", "etcd clients: the members' own health and quorum checks", 2379, members),
      tcp("etcd-in-peer", "etcd peers: voters only", 2380, members),
    ]);
    addRules(ctx, etcd, "egress", [{ id: "etcd-out-all", description: "Packages and peer traffic", protocol: "-1", peer: { cidr: EVERYWHERE } }]);
  }

  const machines = etcd ? [["cp", controlPlane], ["etcd", etcd]] as const : [["cp", controlPlane]] as const;
  const sshRules: pulumi.Resource[] = [];
  if (bastion) {
    sshRules.push(...addRules(ctx, bastion, "ingress", ctx.adminCidrs.map((cidr, i) => tcp(`bastion-in-ssh-${i}`, "SSH from an admin network", 22, { cidr }))));
    sshRules.push(...addRules(ctx, bastion, "egress", machines.map(([id, sg]) => tcp(`bastion-out-ssh-${id}`, "SSH to the cluster machines", 22, { group: sg.id }))));
    addRules(ctx, bastion, "egress", [
      tcp("bastion-out-https", "HTTPS for the bastion's package updates", 443, { cidr: EVERYWHERE }),
      tcp("bastion-out-http", "HTTP for the bastion's package updates", 80, { cidr: EVERYWHERE }),
    ]);
  }
  for (const [id, sg] of machines) {
    const rules = bastion
      ? [tcp(`${id}-in-ssh-bastion`, "SSH from the bastion", 22, { group: bastion.id })]
      : ctx.adminCidrs.map((cidr, i) => tcp(`${id}-in-ssh-${i}`, "SSH from an admin network", 22, { cidr }));
    sshRules.push(...addRules(ctx, sg, "ingress", rules));
  }
  return { controlPlane, etcd, loadBalancer, bastion, sshRules };
}

/** A single-port TCP rule. */
function tcp(id: string, description: string, port: number, peer: Peer): Rule {
  return { id, description, protocol: "tcp", port, peer };
}

/** Creates one `vpc.SecurityGroupIngressRule` / `EgressRule` per rule. */
function addRules(ctx: SecurityGroupContext, group: ec2.SecurityGroup, direction: "ingress" | "egress", rules: Rule[]): pulumi.Resource[] {
  return rules.map((rule) => {
    const args = {
      securityGroupId: group.id,
      description: rule.description,
      ipProtocol: rule.protocol,
      fromPort: rule.port,
      toPort: rule.port,
      cidrIpv4: rule.peer.cidr,
      referencedSecurityGroupId: rule.peer.group,
      tags: ctx.tags(`${ctx.name}-${rule.id}`),
    };
    const opts = { parent: ctx.parent };
    return direction === "ingress"
      ? new vpc.SecurityGroupIngressRule(`${ctx.name}-${rule.id}`, args, opts)
      : new vpc.SecurityGroupEgressRule(`${ctx.name}-${rule.id}`, args, opts);
  });
}
