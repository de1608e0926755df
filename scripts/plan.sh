#!/usr/bin/env bash
# The README's main command: sets everything up, then prints the offline plan of the default stack
# (Pulumi mocks, no cloud account). Options go to the planner: `bash scripts/plan.sh --help`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
npm start --silent -- "$@"
