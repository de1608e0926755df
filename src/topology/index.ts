/** Pure planning and validation: quorum math, zone placement, cluster settings. No Pulumi resources. */
export * from "./types";
export { TopologyError } from "./errors";
export { planTopology } from "./plan";
export { quorumForPlacement } from "./quorum";
export { validatePlacement, type PlacementCheck } from "./placement";
export { MAX_ETCD_VOTERS } from "./voters";
export { validateClusterSettings } from "./cluster";
export { parseKubernetesVersion, type KubernetesVersion, MIN_KUBERNETES_MINOR, MAX_KUBERNETES_MINOR_EXCLUSIVE } from "./version";
export {
  parseIpv4Cidr,
  canonicalCidr,
  hasHostBits,
  formatIpv4,
  formatCidr,
  cidrsOverlap,
  firstHost,
  coveredAddressCount,
  type Ipv4Cidr,
} from "./cidr";
