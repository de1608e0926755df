import type * as pulumi from "@pulumi/pulumi";

/** Zones the mock `getZones` returns for any region, suffixed to it (`<region>-a`, `-b`, `-c`). */
export const GCP_MOCK_ZONE_SUFFIXES = ["a", "b", "c"];

/** Self link the mock `getImage` returns. */
export const GCP_MOCK_IMAGE = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250101";

/** Project the mock self links name. */
const PROJECT = "mock-project";

/**
 * Canned answers for the invokes `pulumi-k8s-ha/gcp` makes, keyed by token: the region's zones, the Ubuntu
 * LTS image and the project's Cloud Storage service agent. Pass them as `invokes` to `k8sHaMocks` (or answer them in your own mocks).
 */
export const gcpMockInvokes: Record<string, (args: Record<string, any>) => Record<string, any>> = {
  "gcp:compute/getZones:getZones": (args) => {
    const region = String(args.region ?? "us-central1");
    return { id: `projects/${PROJECT}/regions/${region}`, project: PROJECT, region, names: GCP_MOCK_ZONE_SUFFIXES.map((s) => `${region}-${s}`) };
  },
  "gcp:compute/getImage:getImage": (args) => ({
    ...args,
    id: GCP_MOCK_IMAGE,
    selfLink: GCP_MOCK_IMAGE,
    name: GCP_MOCK_IMAGE.split("/").pop(),
    family: args.family ?? "ubuntu-2404-lts-amd64",
    project: args.project ?? "ubuntu-os-cloud",
    status: "READY",
  }),
  "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": () => ({
    id: PROJECT,
    project: PROJECT,
    emailAddress: `service-${GCP_MOCK_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
    member: `serviceAccount:service-${GCP_MOCK_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
  }),
};

/** The project number of the mock project (in its Cloud Storage service agent's email). */
export const GCP_MOCK_PROJECT_NUMBER = "123456789012";

/** A stable small number from a string. */
function hash(text: string, modulo: number): number {
  let value = 2166136261;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 16777619) >>> 0;
  return value % modulo;
}

/** A mock self link for a resource of `kind` named `name`. */
function selfLink(kind: string, args: pulumi.runtime.MockResourceArgs): string {
  const where = args.inputs.zone ? `zones/${args.inputs.zone}` : args.inputs.region ? `regions/${args.inputs.region}` : "global";
  return `https://www.googleapis.com/compute/v1/projects/${PROJECT}/${where}/${kind}/${args.inputs.name ?? args.name}`;
}

/**
 * Plausible state for the GCP resources the component creates, keyed by type token: reserved addresses get a
 * deterministic IP (internal `10.10.0.x`, external `34.120.x.y`), instances keep their `networkIp` and get a
 * self link, everything else a self link. Pass them as `resourceState` to `k8sHaMocks`.
 */
export const gcpMockResourceState: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, any>> = {
  "gcp:compute/address:Address": (args) => ({
    address:
      args.inputs.addressType === "INTERNAL"
        ? `10.10.0.${10 + hash(args.name, 240)}`
        : `34.120.${hash(args.name, 250)}.${1 + hash(`${args.name}/`, 250)}`,
    selfLink: selfLink("addresses", args),
  }),
  "gcp:compute/instance:Instance": (args) => ({
    selfLink: selfLink("instances", args),
    instanceId: String(1000 + hash(args.name, 9000)),
    networkInterfaces: (args.inputs.networkInterfaces ?? []).map((nic: Record<string, any>, i: number) => ({
      ...nic,
      name: `nic${i}`,
      networkIp: nic.networkIp ?? `10.10.0.${10 + hash(args.name, 240)}`,
    })),
  }),
  "gcp:compute/network:Network": (args) => ({ selfLink: selfLink("networks", args) }),
  "gcp:compute/subnetwork:Subnetwork": (args) => ({ selfLink: selfLink("subnetworks", args) }),
  "gcp:compute/instanceGroup:InstanceGroup": (args) => ({ selfLink: selfLink("instanceGroups", args) }),
  "gcp:compute/regionHealthCheck:RegionHealthCheck": (args) => ({ selfLink: selfLink("healthChecks", args) }),
  "gcp:compute/regionBackendService:RegionBackendService": (args) => ({ selfLink: selfLink("backendServices", args) }),
  "gcp:compute/forwardingRule:ForwardingRule": (args) => ({ selfLink: selfLink("forwardingRules", args) }),
  "gcp:storage/bucket:Bucket": (args) => {
    const name = args.inputs.name ?? `${args.name}-${String(hash(args.name, 0xfffffff).toString(16)).padStart(7, "0")}`;
    return { name, url: `gs://${name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${name}` };
  },
  "gcp:serviceaccount/account:Account": (args) => ({
    email: `${args.inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`,
    member: `serviceAccount:${args.inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`,
  }),
};
