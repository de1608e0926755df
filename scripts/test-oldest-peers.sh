#!/usr/bin/env bash
# The lowest versions package.json's peerDependencies accept are versions the package is tested with: a copy of
# the repository gets the locked dependencies (npm ci), then the oldest @pulumi/pulumi, @pulumi/aws, @pulumi/gcp and @pulumi/policy
# the peer ranges accept instead of the newer ones the lock file pins, and runs the type check and the unit tests
# of everything that uses them (the clouds, the cloud-neutral components, the examples, the policy pack). Part of the README's test
# command; run it alone with `bash scripts/test-oldest-peers.sh` (Node 22 on PATH: `. scripts/setup.sh`).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
copy=$(mktemp -d /tmp/pulumi-k8s-ha-oldest-peers.XXXXXX)
trap 'rm -rf "$copy"' EXIT
(cd "$repo_root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy")
cd "$copy"
oldest=()
for peer in @pulumi/pulumi @pulumi/aws @pulumi/gcp @pulumi/policy; do
  range=$(node -p "require('./package.json').peerDependencies['$peer']")
  case "$range" in
    ^[0-9]*.[0-9]*.[0-9]*) oldest+=("$peer@${range#^}") ;;
    *) echo "test-oldest-peers: $peer's peer range '$range' is not ^X.Y.Z; say here how to find its lowest version" >&2; exit 1 ;;
  esac
done
echo "test-oldest-peers: ${oldest[*]}" >&2
npm ci --no-audit --no-fund --ignore-scripts >&2
npm install --no-save --no-audit --no-fund --ignore-scripts "${oldest[@]}" >&2
for spec in "${oldest[@]}"; do
  name=${spec%@*}
  installed=$(node -p "require('$name/package.json').version.replace(/^v/, '')")
  [ "$installed" = "${spec##*@}" ] || { echo "test-oldest-peers: $name is $installed, not ${spec##*@}" >&2; exit 1; }
done
npx tsc -p tsconfig.json --noEmit
npx jest --selectProjects unit --testPathPatterns 'test/unit/(aws|gcp|hosts|cluster|policy)/'
