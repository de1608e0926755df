import * as compute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterMachine } from "./machines";
import { gcpName, labelsOf } from "./names";
import type { GcpSettings } from "./settings";

/** The API load balancer. */
export interface ApiLoadBalancer {
  /** The reserved address of the forwarding rule (internal or external). */
  address: pulumi.Output<string>;
  /**
   * The address, resolved only once the forwarding rule exists and the first control plane is a backend:
   * give this to the control plane as its endpoint, so that `kubeadm init` starts only when the address works.
   */
  endpoint: pulumi.Output<string>;
  /** One unmanaged instance group per zone holding control planes, by zone. */
  groups: Record<string, compute.InstanceGroup>;
  /** The regional HTTPS health check (`/readyz` on the API port). */
  healthCheck: compute.RegionHealthCheck;
  /** The regional TCP backend service. */
  backendService: compute.RegionBackendService;
  /** The passthrough forwarding rule. */
  forwardingRule: compute.ForwardingRule;
}

/**
 * A regional passthrough network load balancer in front of the control planes: per-zone unmanaged instance
 * groups, an HTTPS `/readyz` health check, a TCP backend service (`EXTERNAL` or `INTERNAL`) and a forwarding
 * rule on a reserved address. Only the first control plane (the `kubeadm init` node) joins its group here;
 * the others join with {@link addJoinedBackends} once bootstrapped (see there why).
 */
export function createApiLoadBalancer(
  name: string,
  settings: GcpSettings,
  controlPlanes: ClusterMachine[],
  net: { network: pulumi.Input<string>; subnetwork: pulumi.Input<string> },
  parent: pulumi.Resource,
): ApiLoadBalancer {
  const clusterName = settings.cluster.clusterName;
  const internal = settings.apiLoadBalancerScheme === "internal";
  const scheme = internal ? "INTERNAL" : "EXTERNAL";
  const port = settings.cluster.apiServerPort;
  const opts = { parent };
  const labels = labelsOf(settings);

  const address = new compute.Address(
    `${name}-api-address`,
    {
      name: gcpName(clusterName, "api"),
      addressType: scheme,
      region: settings.region,
      subnetwork: internal ? net.subnetwork : undefined,
      labels,
    },
    opts,
  );
  const zones = [...new Set(controlPlanes.map((machine) => machine.node.zone))];
  const groups: Record<string, compute.InstanceGroup> = {};
  for (const zone of zones) {
    groups[zone] = new compute.InstanceGroup(
      `${name}-api-${zone}`,
      {
        name: gcpName(clusterName, `api-${zoneSuffix(zone, settings.region)}`),
        description: `Control planes of ${clusterName} in ${zone}`,
        zone,
        network: net.network,
      },
      opts,
    );
  }
  const healthCheck = new compute.RegionHealthCheck(
    `${name}-api-health`,
    {
      name: gcpName(clusterName, "api-health"),
      region: settings.region,
      httpsHealthCheck: { port, requestPath: "/readyz" },
      checkIntervalSec: 5,
      timeoutSec: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    },
    opts,
  );
  const backendService = new compute.RegionBackendService(
    `${name}-api`,
    {
      name: gcpName(clusterName, "api"),
      region: settings.region,
      protocol: "TCP",
      loadBalancingScheme: scheme,
      healthChecks: healthCheck.id,
      connectionDrainingTimeoutSec: 30,
      backends: zones.map((zone) => ({ group: groups[zone].id, balancingMode: "CONNECTION" })),
    },
    opts,
  );
  const forwardingRule = new compute.ForwardingRule(
    `${name}-api`,
    {
      name: gcpName(clusterName, "api"),
      region: settings.region,
      loadBalancingScheme: scheme,
      ipAddress: address.address,
      ipProtocol: "TCP",
      ports: [String(port)],
      backendService: backendService.id,
      network: internal ? net.network : undefined,
      subnetwork: internal ? net.subnetwork : undefined,
      networkTier: internal ? undefined : "PREMIUM",
      labels,
    },
    opts,
  );
  const first = controlPlanes[0];
  const firstMember = membership(name, first, groups[first.node.zone], [], parent);
  const endpoint = pulumi.all([address.address, forwardingRule.id, firstMember.id]).apply(([ip]) => ip);
  return { address: address.address, endpoint, groups, healthCheck, backendService, forwardingRule };
}

/**
 * Puts every control plane but the first into its zone's instance group, after `bootstrapped`.
 *
 * Why after: on a backend of a passthrough load balancer, Google's guest agent routes the forwarding rule's
 * address to the machine itself. A control plane in a group while `kubeadm join` runs would send its API
 * calls (kubeadm replaces the discovery endpoint with the `controlPlaneEndpoint` from `cluster-info`) to its
 * own, not yet running, API server and hang. Outside the groups, its calls go through the load balancer to
 * the control planes already up. The first control plane is a backend from the start: `kubeadm init` reaches
 * its own API server through the address, which is what it needs.
 */
export function addJoinedBackends(
  name: string,
  controlPlanes: ClusterMachine[],
  lb: ApiLoadBalancer,
  bootstrapped: pulumi.Resource[],
  parent: pulumi.Resource,
): compute.InstanceGroupMembership[] {
  return controlPlanes.slice(1).map((machine) => membership(name, machine, lb.groups[machine.node.zone], bootstrapped, parent));
}

/** One instance's membership of its zone's group. */
function membership(
  name: string,
  machine: ClusterMachine,
  group: compute.InstanceGroup,
  dependsOn: pulumi.Resource[],
  parent: pulumi.Resource,
): compute.InstanceGroupMembership {
  return new compute.InstanceGroupMembership(
    `${name}-api-member-${machine.node.name}`,
    { zone: machine.node.zone, instanceGroup: group.name, instance: machine.instance.selfLink },
    { parent, dependsOn },
  );
}

/** `b` for `europe-west1-b`: keeps group names under 63 characters. */
function zoneSuffix(zone: string, region: string): string {
  return zone.startsWith(`${region}-`) ? zone.slice(region.length + 1) : zone;
}
