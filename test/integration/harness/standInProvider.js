#!/usr/bin/env node
/**
 * A stand-in resource provider plugin for `pulumi preview` under the real engine, where the real provider cannot
 * be built (the Go module proxy serves no pulumi-aws, -gcp, -tls, -random or -command provider module). It is a
 * plugin like any other (the engine starts it, handshakes, configures it) and answers with the library's own
 * unit-test mocks (`pulumi-k8s-ha/testing`): Check accepts the inputs, Diff compares them, Invoke gives the canned
 * look-ups (zones, images). It implements no Create: the engine does not call Create in a preview of a provider
 * that does not support previews, so nothing is created and every output stays unknown, as in a first preview.
 *
 * usage (as the engine runs it): standInProvider.js PROJECT_DIR PACKAGE VERSION [engine arguments...]
 * PROJECT_DIR is the Pulumi project whose node_modules provide @pulumi/pulumi and pulumi-k8s-ha.
 */
const { createRequire } = require("node:module");
const path = require("node:path");

const [projectDir, packageName, version, ...engineArgs] = process.argv.slice(2);
const fromProject = createRequire(path.join(projectDir, "package.json"));
const { main } = fromProject("@pulumi/pulumi/provider");
const { k8sHaMocks } = fromProject("pulumi-k8s-ha/testing");

const mocks = k8sHaMocks({ cloud: packageName === "aws" || packageName === "gcp" ? packageName : undefined });

main(
    {
        version,
        async check(_urn, _olds, news) {
            return { inputs: news };
        },
        async diff(_id, _urn, olds, news) {
            return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
        },
        async invoke(token, inputs) {
            return { outputs: await mocks.call({ token, inputs, provider: "" }) };
        },
    },
    engineArgs,
);
