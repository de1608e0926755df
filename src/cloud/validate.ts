import { optionalBoolean, requirePositiveInteger, validateCertSans } from "../topology/checks";
import { validateClusterSettings } from "../topology/cluster";
import { describeValue } from "../topology/describe";
import { TopologyError } from "../topology/errors";
import { checkCertificateSettings } from "../cluster/validateCertificates";
import { WORKER_JOIN_TOKEN_TTL_FIELD, workerJoinTokenTtlProblem } from "../cluster/workerJoinArgs";
import type { ClusterSettings } from "../topology/types";
import type { CloudControlPlaneArgs } from "./args";
import type { CloudSettings } from "./settings";
import { checkNowOrWhenKnown, type LateCheck } from "../cluster/lateInputs";

/** Cluster name, Kubernetes version, pod and service subnets: checked the same way on every cloud. */
export function validateCloudCluster(args: CloudControlPlaneArgs): ClusterSettings {
  return validateClusterSettings({
    clusterName: args.clusterName,
    kubernetesVersion: args.kubernetesVersion,
    podSubnet: args.podSubnet,
    serviceSubnet: args.serviceSubnet,
  });
}

/** The topology arguments besides the zones, with defaults filled (the planner checks them further). */
export type TopologySettings = Pick<CloudSettings, "controlPlaneCount" | "etcdTopology" | "etcdMemberCount" | "tolerateZoneFailure">;

/** Fills the topology defaults: 3 stacked control planes that must survive a zone loss. */
export function topologySettings(args: CloudControlPlaneArgs): TopologySettings {
  return {
    controlPlaneCount: args.controlPlaneCount ?? 3,
    etcdTopology: args.etcdTopology ?? "stacked",
    etcdMemberCount: args.etcdMemberCount,
    tolerateZoneFailure: optionalBoolean(args.tolerateZoneFailure, "tolerateZoneFailure", true),
  };
}

/** The settings passed through to the cloud-neutral bootstrap. */
export type PassThroughSettings = Pick<
  CloudSettings,
  "cniManifestUrl" | "extraCertSans" | "gateTimeoutSeconds" | "hostReadyTimeoutMinutes" | "workerJoinTokenTtlHours" | "reportCertificateExpiry" | "certificateValidityPeriod" | "certificateRenewal"
>;

/**
 * Checks the arguments passed through to the cloud-neutral bootstrap, so that a bad one throws before any
 * child instead of failing inside the bootstrap once the machines exist; `extraCertSans` given as outputs is
 * checked by a recorded late check.
 */
export function validatePassThrough(args: CloudControlPlaneArgs, late: LateCheck[]): PassThroughSettings {
  checkCertificateSettings(args);
  return {
    cniManifestUrl: validateManifestUrl(args.cniManifestUrl),
    extraCertSans: checkNowOrWhenKnown(args.extraCertSans ?? [], (sans) => validateCertSans(sans), late),
    gateTimeoutSeconds: optionalPositive(args.gateTimeoutSeconds, "gateTimeoutSeconds", 600),
    hostReadyTimeoutMinutes: optionalPositive(args.hostReadyTimeoutMinutes, "hostReadyTimeoutMinutes", 20),
    workerJoinTokenTtlHours: validateWorkerJoinTokenTtl(args.workerJoinTokenTtlHours),
    reportCertificateExpiry: args.reportCertificateExpiry,
    certificateValidityPeriod: args.certificateValidityPeriod,
    certificateRenewal: args.certificateRenewal,
  };
}

/** `workerJoinTokenTtlHours`: a whole number of hours within a year, or not given. */
function validateWorkerJoinTokenTtl(value: unknown): number | undefined {
  const problem = workerJoinTokenTtlProblem(value);
  if (problem !== undefined) throw new TopologyError(WORKER_JOIN_TOKEN_TTL_FIELD, problem);
  return value as number | undefined;
}

/** CNI manifest URL: `""` or an http(s) URL. */
function validateManifestUrl(value: unknown): string | undefined {
  if (value === undefined || value === "") return value;
  if (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value)) {
    throw new TopologyError("cniManifestUrl", `${describeValue(value)} is not an http(s) URL. Give a manifest URL, or "" to skip the CNI.`);
  }
  return value;
}

/** An optional positive integer. */
function optionalPositive(value: unknown, field: string, example: number): number | undefined {
  return value === undefined ? undefined : requirePositiveInteger(value, field, example);
}
