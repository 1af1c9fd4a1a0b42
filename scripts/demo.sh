#!/usr/bin/env bash
# The main job in one command: install what is needed, build, start a local
# sandbox host, then plan → apply → plan --refresh → state list an example.
#   bash scripts/demo.sh            # the quickstart on a disposable Debian "droplet" container
#   STRATUM_DEMO_LOCAL=1 bash scripts/demo.sh   # force the loopback-sshd variant (no docker)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$repo_root/scripts/setup.sh"
exec node "$repo_root/scripts/demo.mjs" "$@"
