import type * as pulumi from "@pulumi/pulumi";
import { TESTING_CERTIFICATE_PEM } from "./certificate";
import { mockCommandStdout } from "./commandOutput";

/** Answers for a Pulumi invoke under mocks: token -> function of the invoke's arguments. */
export type MockInvokes = Record<string, (args: Record<string, any>) => Record<string, any>>;

/** Options of {@link k8sHaMocks}. */
export interface K8sHaMockOptions {
  /**
   * Also answer the look-ups and state of one cloud's component (zones, images, instance addresses, LB names).
   * Only that cloud's testing module is loaded. @default none (cloud-neutral components only)
   */
  cloud?: "aws" | "gcp";
  /** Extra or overriding invoke answers (e.g. a cloud's canned zones and images). @default {} */
  invokes?: MockInvokes;
  /** Extra state per resource type token, merged over the defaults. @default {} */
  resourceState?: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, any>>;
  /** Called for every resource registered, e.g. to record them in a test. */
  onResource?: (args: pulumi.runtime.MockResourceArgs) => void;
}

function deterministicString(seed: string, length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let hash = 2166136261;
  let out = "";
  for (let i = 0; i < length; i++) {
    hash = Math.imul(hash ^ (seed.charCodeAt(i % Math.max(seed.length, 1)) || 7) ^ i, 16777619) >>> 0;
    out += alphabet[hash % alphabet.length];
  }
  return out;
}

/** Plausible outputs for the resource types the cloud-neutral components create. */
const defaultState: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, any>> = {
  "tls:index/privateKey:PrivateKey": (args) => ({
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\nMOCK-${args.name}\n-----END PRIVATE KEY-----\n`,
    privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-${args.name}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----\nMOCK-${args.name}\n-----END PUBLIC KEY-----\n`,
    publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${deterministicString(args.name, 40)} mock\n`,
  }),
  "tls:index/selfSignedCert:SelfSignedCert": () => ({ certPem: TESTING_CERTIFICATE_PEM }),
  "tls:index/locallySignedCert:LocallySignedCert": () => ({ certPem: TESTING_CERTIFICATE_PEM }),
  "tls:index/certRequest:CertRequest": (args) => ({ certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nMOCK-${args.name}\n-----END CERTIFICATE REQUEST-----\n` }),
  "random:index/randomString:RandomString": (args) => ({ result: deterministicString(args.name, Number(args.inputs.length ?? 16)) }),
  "command:remote:Command": (args) => ({ stdout: mockCommandStdout(String(args.inputs.create ?? "")), stderr: "" }),
};

type ResourceStates = Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, any>>;

/** A cloud's canned answers, loaded only when asked for. */
function cloudMocks(cloud: K8sHaMockOptions["cloud"]): { invokes: MockInvokes; resourceState: ResourceStates } {
  if (cloud === "aws") {
    const aws: typeof import("../aws/testing") = require("../aws/testing");
    return { invokes: aws.awsMockInvokes, resourceState: aws.awsMockResourceState };
  }
  if (cloud === "gcp") {
    const gcp: typeof import("../gcp/testing") = require("../gcp/testing");
    return { invokes: gcp.gcpMockInvokes, resourceState: gcp.gcpMockResourceState };
  }
  return { invokes: {}, resourceState: {} };
}

/**
 * Pulumi mocks that answer for everything pulumi-k8s-ha creates, so a user's unit test of a stack that uses
 * these components needs only:
 * ```ts
 * pulumi.runtime.setMocks(k8sHaMocks({ cloud: "aws" }), "project", "stack", false);
 * ```
 * Certificates are a real (throwaway) certificate, random strings are deterministic, bootstrap commands print
 * what a healthy cluster prints (a gate observation with every member healthy, a placeholder kubeconfig).
 * Unknown invokes throw, naming the token, so a missing answer is never silently empty.
 */
export function k8sHaMocks(options: K8sHaMockOptions = {}): pulumi.runtime.Mocks {
  const cloud = cloudMocks(options.cloud);
  const state = { ...defaultState, ...cloud.resourceState, ...(options.resourceState ?? {}) };
  const invokes = { ...cloud.invokes, ...(options.invokes ?? {}) };
  return {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      options.onResource?.(args);
      const extra = state[args.type]?.(args) ?? {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      const answer = invokes[args.token];
      if (!answer) {
        throw new Error(`pulumi-k8s-ha/testing: no mock answer for invoke ${args.token}; pass one in options.invokes`);
      }
      return answer(args.inputs);
    },
  };
}
