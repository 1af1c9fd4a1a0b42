#!/usr/bin/env bash
# Returns once a docker engine answers `docker info`, starting Debian's dockerd
# when none does. A dockerd started here is left running for the machine (later
# test runs reuse it; CI machines start fresh anyway): it runs in its own session,
# logs to $STRATUM_CACHE/dockerd.log and outlives the process that asked for it.
#
# Exit codes: 0 engine answers, 1 dockerd did not come up (log tail on stderr),
# 3 an engine cannot be started here (reason on stderr).
set -euo pipefail

cache="${STRATUM_CACHE:-$HOME/.cache/stratum}"
log_file="$cache/dockerd.log"

answers() { timeout 20 docker info >/dev/null 2>&1; }
say() { printf '[dockerd] %s\n' "$*" >&2; }

command -v docker >/dev/null 2>&1 || { say "the docker CLI is not installed (Debian package docker.io)"; exit 3; }
answers && exit 0
command -v dockerd >/dev/null 2>&1 || { say "no engine answers and dockerd is not installed (Debian package docker.io)"; exit 3; }
[ "$(id -u)" = 0 ] || { say "no engine answers and only root can start dockerd (run as root, or start docker yourself)"; exit 3; }

mkdir -p "$cache"
# Test files start in parallel: one starts the engine, the others wait here.
exec 9>"$cache/dockerd.lock"
flock 9
answers && exit 0

# A pid file left by a killed dockerd would stop a new one from starting.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
say "starting dockerd (log: $log_file)"
# 9>&- : the engine must not inherit (and so hold) the lock.
(cd / && exec setsid dockerd >>"$log_file" 2>&1 </dev/null 9>&-) &
pid=$!
for _ in $(seq 1 120); do
  if answers; then say "dockerd is up (pid $pid)"; exit 0; fi
  # A dead child stays a zombie until this script exits: look at its state, not just its pid.
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  if [ -z "$state" ] || [ "${state#Z}" != "$state" ]; then break; fi
  sleep 0.5
done
say "dockerd did not answer; the end of $log_file:"
tail -n 30 "$log_file" >&2
exit 1
