#!/usr/bin/env bash
# The README's test command: sets everything up (Node 22, Debian packages, npm dependencies), then runs the
# unit tests (type check + jest with Pulumi mocks) and the integration tests on real test hosts (network
# namespaces on this machine; root needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
npm test
npm run test:integration
