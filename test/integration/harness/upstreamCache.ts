/**
 * The cache of upstream programs built by test/testbed/build-upstream.sh (the README's test command builds what is
 * missing before the integration tests run).
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";

/** Cache directory (same default as build-upstream.sh). */
export const TESTBED_CACHE = process.env.TESTBED_CACHE ?? "/var/cache/pulumi-k8s-ha-testbed";

/**
 * Path of a built program: `<cache>/<component>-<version>/bin/<binary>`. Without a version, the one complete
 * entry of that component (there must be exactly one). Throws naming the build command when it is missing.
 */
export function upstreamBinary(component: string, version: string | undefined, binary: string): string {
    const entries = readdirSync(TESTBED_CACHE).filter(
        (e) => (version === undefined ? e.startsWith(`${component}-`) : e === `${component}-${version}`) && existsSync(path.join(TESTBED_CACHE, e, ".complete")),
    );
    if (entries.length !== 1) {
        throw new Error(
            `upstream cache: ${entries.length} complete ${component}${version ? `-${version}` : ""} entries in ${TESTBED_CACHE}; run bash test/testbed/build-upstream.sh`,
        );
    }
    const file = path.join(TESTBED_CACHE, entries[0], "bin", binary);
    if (!existsSync(file)) throw new Error(`upstream cache: ${file} missing; run bash test/testbed/build-upstream.sh`);
    return file;
}

/**
 * The shell command that stands in for the node preparation on a test host: the pinned upstream etcd in
 * /usr/local/bin (the cache is visible inside every host, whose lower layer is this machine's root), then the
 * preparation marker cloud-init writes last.
 */
export function simulatedPreparationCommand(): string {
    const bin = (name: string): string => upstreamBinary("etcd", undefined, name);
    return [
        `install -m 0755 ${bin("etcd")} ${bin("etcdctl")} ${bin("etcdutl")} /usr/local/bin/`,
        "mkdir -p /var/lib/pulumi-k8s-ha",
        "date -u > /var/lib/pulumi-k8s-ha/node-prepared",
    ].join(" && ");
}
