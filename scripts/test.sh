#!/usr/bin/env bash
# The README's test command: sets everything up (Node 22, Debian packages, npm dependencies), then runs the
# unit tests (type check + jest with Pulumi mocks), the cloud and component unit tests again against the oldest
# peer versions package.json accepts, and the integration tests on real test hosts (network
# namespaces on this machine; root needed). The upstream programs the real-host tests run (Kubernetes, etcd,
# CoreDNS, flannel, crictl, pause) are built from their Go modules first, or taken from the cache
# (/var/cache/pulumi-k8s-ha-testbed) when already built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
npm test
bash scripts/test-oldest-peers.sh
bash test/testbed/build-upstream.sh
npm run test:integration
