// The plugin's entry (PulumiPlugin.yaml, runtime nodejs): serves this directory's package to the Pulumi engine.
require("pulumi-k8s-ha/provider").serveComponentPackage(__dirname);
