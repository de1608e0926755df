import type { ResourceValidationPolicy } from "@pulumi/policy/policy";

const TYPES = ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"];

/** EC2 instances and launch templates require IMDSv2 session tokens (or turn the metadata service off). */
export const imdsv2Required: ResourceValidationPolicy = {
  name: "k8s-ha-imdsv2-required",
  description: 'EC2 instances and launch templates set metadataOptions.httpTokens to "required" (IMDSv2 only).',
  validateResource: (args, reportViolation) => {
    if (!TYPES.includes(args.type)) return;
    const options = args.props.metadataOptions ?? {};
    if (options.httpEndpoint === "disabled" || options.httpTokens === "required") return;
    const now = options.httpTokens === undefined ? "not set (IMDSv1 allowed)" : JSON.stringify(options.httpTokens);
    reportViolation(
      `${args.type} ${args.name}: metadataOptions.httpTokens is ${now}. Set metadataOptions: { httpTokens: "required", ` +
        "httpPutResponseHopLimit: 1 } so only IMDSv2 session tokens reach the instance metadata (and pods cannot).",
    );
  },
};
