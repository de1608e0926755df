import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import type * as remote from "@pulumi/command/remote";
import { haproxyApplyScript, keepalivedApplyScript, loadBalancerStopScript, prepareHostScript } from "../bootstrap/scripts";
import { defaults } from "../cluster/constants";
import { hostCommand } from "../cluster/hostCommand";
import type { ApiLoadBalancerArgs } from "./args";
import { renderHaproxyConfig } from "./haproxyConfig";
import { renderKeepalivedConfig } from "./keepalivedConfig";
import { validateApiLoadBalancerArgs } from "./validate";

/** Type token of {@link ApiLoadBalancer}. */
export const API_LOAD_BALANCER_TYPE = "pulumi-k8s-ha:hosts:ApiLoadBalancer";

/** VRRP priority of the first host; each next host gets one less, so the first healthy host holds the address. */
const TOP_PRIORITY = 200;

/**
 * HAProxy on machines you already have, in front of given servers: TCP, round robin, TLS health checks
 * (`/readyz` by default), retries with redispatch so a dead server costs no request. With `virtualIp`,
 * keepalived moves that address between the hosts (unicast VRRP; a host leaves the election while HAProxy is
 * not running). Per host: optional package install, then the HAProxy step, then the keepalived step.
 */
export class ApiLoadBalancer extends pulumi.ComponentResource {
  /** Address clients use (no port): the virtual IP, else the first host's private address. Known once every step ran. */
  readonly endpoint: pulumi.Output<string>;
  /** The last step on each host: depend on these to wait for a serving load balancer. */
  readonly ready: remote.Command[];

  constructor(name: string, args: ApiLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    validateApiLoadBalancerArgs(name, args);
    super(API_LOAD_BALANCER_TYPE, name, {}, opts);
    const readyMinutes = args.hostReadyTimeoutMinutes ?? defaults.hostReadyTimeoutMinutes;
    const install = args.installPackages ?? true;
    const backendPort = args.backendPort ?? 6443;

    const haproxyConfig = pulumi.all(args.backends.map((backend) => pulumi.output(backend.address))).apply((addresses) =>
      renderHaproxyConfig({
        frontendPort: args.frontendPort ?? 6443,
        backends: args.backends.map((backend, index) => ({ name: backend.name, address: addresses[index], port: backendPort })),
        healthCheckPath: args.healthCheckPath,
        checkTls: args.healthCheckCaFile ? { caFile: args.healthCheckCaFile, certFile: args.healthCheckCertFile } : undefined,
        maxConnections: args.maxConnections,
      }),
    );
    const hostAddresses = pulumi.all(args.hosts.map((host) => pulumi.output(host.privateAddress)));

    this.ready = args.hosts.map((host, index) => {
      const packages = install
        ? [
            hostCommand(
              `${name}-${host.name}-packages`,
              host,
              { script: prepareHostScript({ packages: args.virtualIp ? ["haproxy", "keepalived"] : ["haproxy"], files: [] }), waitForSsh: true, timeoutMinutes: readyMinutes + 5 },
              this,
            ),
          ]
        : [];
      const haproxy = hostCommand(
        `${name}-${host.name}-haproxy`,
        host,
        {
          script: haproxyConfig.apply((config) => haproxyApplyScript({ config })),
          waitForSsh: !install,
          dependsOn: packages,
          timeoutMinutes: install ? 5 : readyMinutes + 5,
          deleteScript: loadBalancerStopScript("haproxy"),
        },
        this,
      );
      if (!args.virtualIp) return haproxy;
      const keepalivedConfig = hostAddresses.apply((addresses) => {
        const peers = addresses.filter((_, other) => other !== index);
        return renderKeepalivedConfig({
          virtualIp: args.virtualIp as string,
          interface: args.virtualIpInterface as string,
          virtualRouterId: args.virtualRouterId ?? 51,
          priority: TOP_PRIORITY - index,
          state: index === 0 ? "MASTER" : "BACKUP",
          // Unicast adverts need the peers' IP addresses; with names, fall back to multicast on the segment.
          peers: peers.every((peer) => isIP(peer) !== 0) ? peers : undefined,
        });
      });
      return hostCommand(
        `${name}-${host.name}-keepalived`,
        host,
        {
          script: keepalivedConfig.apply((config) => keepalivedApplyScript({ config })),
          dependsOn: [haproxy],
          timeoutMinutes: 5,
          deleteScript: loadBalancerStopScript("keepalived"),
        },
        this,
      );
    });
    this.endpoint = pulumi
      .all([pulumi.output(args.hosts[0].privateAddress), ...this.ready.map((step) => step.stdout)])
      .apply(([first]) => args.virtualIp ?? first);
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
