import * as lb from "@pulumi/aws/lb";
import * as pulumi from "@pulumi/pulumi";

/** The API load balancer and the address to hand to kubeadm. */
export interface ApiLoadBalancer {
  /** The network load balancer. */
  loadBalancer: lb.LoadBalancer;
  /** Its target group (IP targets on the API port). */
  targetGroup: lb.TargetGroup;
  /** Its TCP listener. */
  listener: lb.Listener;
  /**
   * The NLB's DNS name, carrying dependencies on the listener and every target registration, so whatever
   * uses it (kubeadm's `controlPlaneEndpoint`) runs only once the path to the API exists.
   */
  endpoint: pulumi.Output<string>;
}

/** What {@link apiLoadBalancer} needs. */
export interface LoadBalancerContext {
  /** Component name, prefix of every child name. */
  name: string;
  /** The VPC (for the target group). */
  vpcId: pulumi.Input<string>;
  /** `true` for an internal NLB (private subnets), `false` for internet-facing (public subnets). */
  internal: boolean;
  /** Subnets of the NLB, one per zone. */
  subnetIds: pulumi.Input<string>[];
  /** The NLB's security group. */
  securityGroupId: pulumi.Input<string>;
  /** API server port (listener and targets). */
  port: number;
  /** Tags of every load balancer resource. */
  tags: Record<string, string>;
  /** Parent of every child. */
  parent: pulumi.Resource;
}

/**
 * A cross-zone network load balancer in front of every kube-apiserver: TCP listener on the API port, target
 * group of control-plane private IPs (`targetType: "ip"`, client IP preservation off) health-checked with
 * HTTPS `GET /readyz`.
 *
 * Why IP targets without client IP preservation: with instance targets (which preserve the client IP), a
 * control plane that calls the API through the NLB and is routed to itself receives a packet whose source is
 * its own address, answers it directly instead of through the NLB, and the connection hangs (the NLB
 * "hairpin" problem). With IP targets and preservation off, the NLB rewrites the source to its own address,
 * so the answer goes back through the NLB whichever target is picked.
 */
export function apiLoadBalancer(ctx: LoadBalancerContext, targets: { name: string; ip: pulumi.Input<string> }[]): ApiLoadBalancer {
  const opts = { parent: ctx.parent };
  const loadBalancer = new lb.LoadBalancer(`${ctx.name}-api`, {
    loadBalancerType: "network",
    internal: ctx.internal,
    subnets: ctx.subnetIds,
    securityGroups: [ctx.securityGroupId],
    enableCrossZoneLoadBalancing: true,
    ipAddressType: "ipv4",
    tags: ctx.tags,
  }, opts);
  const targetGroup = new lb.TargetGroup(`${ctx.name}-api`, {
    vpcId: ctx.vpcId,
    port: ctx.port,
    protocol: "TCP",
    targetType: "ip",
    preserveClientIp: "false",
    connectionTermination: true,
    deregistrationDelay: 30,
    healthCheck: {
      enabled: true,
      protocol: "HTTPS",
      port: "traffic-port",
      path: "/readyz",
      matcher: "200",
      interval: 10,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    },
    tags: ctx.tags,
  }, opts);
  const listener = new lb.Listener(`${ctx.name}-api`, {
    loadBalancerArn: loadBalancer.arn,
    port: ctx.port,
    protocol: "TCP",
    defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    tags: ctx.tags,
  }, opts);
  const attachments = targets.map(
    (target) =>
      new lb.TargetGroupAttachment(`${ctx.name}-api-${target.name}`, {
        targetGroupArn: targetGroup.arn,
        targetId: target.ip,
        port: ctx.port,
      }, opts),
  );
  const endpoint = pulumi
    .all([loadBalancer.dnsName, listener.arn, ...attachments.map((a) => a.id)])
    .apply(([dnsName]) => dnsName);
  return { loadBalancer, targetGroup, listener, endpoint };
}
