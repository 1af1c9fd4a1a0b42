#!/usr/bin/env bash
# The test command: installs everything (scripts/setup.sh), then lints, typechecks
# and runs every package's tests, slow tiers included when CI is set.
# Ends with one line "tests: N passed, N failed" summed over all packages.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$repo_root/scripts/setup.sh"
cd "$repo_root"
rm -rf .test-results
echo "== lint"
pnpm run lint
echo "== typecheck"
pnpm run typecheck --output-logs=errors-only
echo "== test"
status=0
pnpm run test || status=$?
node scripts/test-summary.mjs .test-results || status=1
exit $status
