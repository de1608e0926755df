import { gcpMockInvokes, gcpMockResourceState } from "../../../src/gcp/testing";
import { installCloudMocks, type Recorder } from "../support/cloudMocks";

export { isSecret, isSecretInput, named, ofType, outputValue, settle, unwrap, type Recorder, type Seen } from "../support/cloudMocks";

/**
 * Installs the library's mocks plus the GCP canned answers, recording every registration and invoke.
 * `invokes` overrides individual answers (e.g. a region with two zones).
 */
export function installGcpMocks(preview: boolean, invokes: Record<string, (a: Record<string, any>) => Record<string, any>> = {}): Promise<Recorder> {
  return installCloudMocks({ invokes: gcpMockInvokes, resourceState: gcpMockResourceState }, preview, invokes);
}

/** Smallest valid arguments (region given, so no stack config is needed). */
export const BASE_ARGS = { clusterName: "demo", adminCidrs: ["203.0.113.7/32"], region: "europe-west1" };

/** GCP type tokens. */
export const T = {
  network: "gcp:compute/network:Network",
  subnetwork: "gcp:compute/subnetwork:Subnetwork",
  router: "gcp:compute/router:Router",
  nat: "gcp:compute/routerNat:RouterNat",
  address: "gcp:compute/address:Address",
  firewall: "gcp:compute/firewall:Firewall",
  instance: "gcp:compute/instance:Instance",
  group: "gcp:compute/instanceGroup:InstanceGroup",
  membership: "gcp:compute/instanceGroupMembership:InstanceGroupMembership",
  healthCheck: "gcp:compute/regionHealthCheck:RegionHealthCheck",
  backendService: "gcp:compute/regionBackendService:RegionBackendService",
  forwardingRule: "gcp:compute/forwardingRule:ForwardingRule",
  command: "command:remote:Command",
  component: "pulumi-k8s-ha:gcp:HaControlPlane",
};
