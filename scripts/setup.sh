#!/usr/bin/env bash
# Takes a fresh Debian 12 machine (system Node 20, no pnpm) to a built workspace.
# Idempotent: a second run only checks. Source it to get the toolchain on PATH:
#   source scripts/setup.sh
# Environment:
#   STRATUM_TOOLCHAIN   where Node 24 and pnpm live (default ~/.cache/stratum/toolchain)
#   STRATUM_SKIP_APT=1  do not install Debian packages (you manage them yourself)
#   STRATUM_SKIP_BUILD=1  stop after `pnpm install`
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain="${STRATUM_TOOLCHAIN:-$HOME/.cache/stratum/toolchain}"
node_version="24"
pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$repo_root/package.json")"

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages the tests and the demo need: an OpenSSH server and client for the
# loopback test host, a docker engine and debootstrap for the droplet container,
# busybox-static for tiny local images, docker-registry for a local registry, git.
# postgresql for the PostgreSQL state backend's tests; gnupg and dpkg-dev to build a signed local apt
# repository for system_apt_repo's.
# chromium (headless) loads the built docs site in its test.
apt_packages=(openssh-server openssh-client git ca-certificates docker.io debootstrap busybox-static docker-registry iproute2 procps postgresql gnupg dpkg-dev chromium)

install_apt_packages() {
  [ "${STRATUM_SKIP_APT:-0}" = 1 ] && return 0
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_toolchain() {
  local node_bin="$toolchain/node_modules/.bin/node" pnpm_bin="$toolchain/node_modules/.bin/pnpm"
  if [ -x "$node_bin" ] && [ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" = "$node_version" ] \
    && [ -x "$pnpm_bin" ] && [ "$("$pnpm_bin" --version 2>/dev/null)" = "$pnpm_version" ]; then
    return 0
  fi
  log "installing Node $node_version and pnpm $pnpm_version into $toolchain (npm packages node@$node_version, pnpm@$pnpm_version)"
  mkdir -p "$toolchain"
  # The system npm is enough to fetch both: the `node` package pulls its binary
  # from the npm registry as a platform package.
  npm install --prefix "$toolchain" --no-audit --no-fund --loglevel=error \
    "node@$node_version" "pnpm@$pnpm_version" >/dev/null
}

install_apt_packages
install_toolchain
export PATH="$toolchain/node_modules/.bin:$PATH"
export COREPACK_ENABLE_STRICT=0
cd "$repo_root"
log "node $(node --version), pnpm $(pnpm --version)"
if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile --reporter=append-only >/dev/null
else
  pnpm install --reporter=append-only >/dev/null
fi
if [ "${STRATUM_SKIP_BUILD:-0}" != 1 ]; then
  log "building packages"
  pnpm run build --output-logs=errors-only >/dev/null
fi
