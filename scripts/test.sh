#!/usr/bin/env bash
# The test command: installs everything (scripts/setup.sh), then lints, typechecks
# and runs every package's tests. The droplet tier (a Debian container with
# systemd, apt and ufw) runs when CI is set or STRATUM_DROPLET_TESTS=1.
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
echo "== old node"
# A Node.js older than we support, for the test that every package refuses it
# with a clear message (the npm package node@20, beside the toolchain).
old_node_dir="${STRATUM_OLD_NODE_DIR:-$HOME/.cache/stratum/node20}"
if [ ! -x "$old_node_dir/node_modules/.bin/node" ]; then
  npm install --prefix "$old_node_dir" --no-audit --no-fund --loglevel=error node@20 >/dev/null
fi
export STRATUM_OLD_NODE="$old_node_dir/node_modules/.bin/node"
"$STRATUM_OLD_NODE" --version
echo "== test hosts"
# Start the docker engine and build the test images up front (later runs reuse
# them), so that no test's timeout pays for a first-time image build. In CI
# these tiers are required; elsewhere a machine without an engine skips them.
if bash packages/testkit/scripts/ensure-dockerd.sh \
  && bash packages/testkit/scripts/build-busybox-image.sh >/dev/null \
  && bash packages/testkit/scripts/build-droplet-image.sh >/dev/null; then
  echo "docker engine and test images ready"
elif [ -n "${CI:-}" ]; then
  echo "the docker engine or the test images could not be set up; CI needs them" >&2
  exit 1
else
  echo "no docker engine: the docker and droplet test tiers will be skipped"
fi
echo "== test"
status=0
pnpm run test || status=$?
node scripts/test-summary.mjs .test-results || status=1
exit $status
