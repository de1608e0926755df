import type { DefaultStackSettings } from "../program/defaultStack";

/** Usage text of `npm start -- ...`. */
export const USAGE = `Offline plan of the default stack: runs the root Pulumi program under Pulumi mocks (no cloud account,
no network) and prints nodes per zone, quorum and fault tolerance, the resources it would create by type and
the bootstrap steps in order with the critical path.

Usage: npm start -- [options]

  --cloud aws|gcp             cloud to plan for (default aws)
  --etcd stacked|external     etcd topology (default stacked)
  --control-planes N          control-plane machines, odd with stacked etcd (default 3)
  --etcd-members N            external etcd members, odd (default 3; external only)
  --zones a,b,c               zones to spread over (default: the region's first zones, as the cloud reports them)
  --name NAME                 cluster name (default demo)
  --kubernetes-version X.Y.Z  Kubernetes version (default: the library's)
  --json                      print the plan as JSON instead of tables
  --help                      this text

Examples:
  npm start -- --cloud gcp --etcd external --control-planes 3 --etcd-members 5
  npm start -- --zones us-east-1a,us-east-1b   # refused: 3 voters over 2 zones cannot survive a zone loss
`;

/** Parsed command line. */
export interface PlanCommand {
  help: boolean;
  json: boolean;
  settings: DefaultStackSettings;
}

/** Thrown for a bad command line; the message says which option and what to use. */
export class UsageError extends Error {}

function count(option: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option}: ${JSON.stringify(value)} is not a whole number`);
  return Number(value);
}

/** Parses `npm start -- ...` options into default-stack settings. */
export function parsePlanCommand(argv: string[]): PlanCommand {
  const settings: DefaultStackSettings = {
    cloud: "aws",
    clusterName: "demo",
    etcdTopology: "stacked",
    controlPlaneCount: 3,
    adminCidrs: ["203.0.113.0/24"],
    apiAllowedCidrs: [],
  };
  let help = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const option = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${option} needs a value`);
      return next;
    };
    switch (option) {
      case "--help":
      case "-h":
        help = true;
        break;
      case "--json":
        json = true;
        break;
      case "--cloud": {
        const cloud = value();
        if (cloud !== "aws" && cloud !== "gcp") throw new UsageError(`--cloud: ${JSON.stringify(cloud)} is not supported; use aws or gcp`);
        settings.cloud = cloud;
        break;
      }
      case "--etcd": {
        const topology = value();
        if (topology !== "stacked" && topology !== "external") throw new UsageError(`--etcd: use stacked or external, not ${JSON.stringify(topology)}`);
        settings.etcdTopology = topology;
        break;
      }
      case "--control-planes":
        settings.controlPlaneCount = count(option, value());
        break;
      case "--etcd-members":
        settings.etcdMemberCount = count(option, value());
        break;
      case "--zones":
        settings.zones = value().split(",").map((zone) => zone.trim());
        break;
      case "--name":
        settings.clusterName = value();
        break;
      case "--kubernetes-version":
        settings.kubernetesVersion = value();
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(option)} (see --help)`);
    }
  }
  return { help, json, settings };
}
