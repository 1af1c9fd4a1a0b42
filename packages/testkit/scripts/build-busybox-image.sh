#!/usr/bin/env bash
# Builds stratum-test/busybox:latest, a tiny image made from Debian's
# busybox-static: /bin/busybox plus one symlink per applet, imported as a
# single-layer image (no image hub involved). Good as a base
# (`FROM stratum-test/busybox`) and as a container running sh, sleep or httpd.
#
# Prints the tag on stdout. The image carries a label with a hash of this script
# and of the busybox binary; an image with the same label is reused, one with a
# different label (busybox upgraded, script changed) is rebuilt.
#
# Usage: build-busybox-image.sh [--force]
# Environment: STRATUM_CACHE (default ~/.cache/stratum), for the build lock.
set -euo pipefail

tag="stratum-test/busybox:latest"
busybox="${STRATUM_BUSYBOX:-/bin/busybox}"
cache="${STRATUM_CACHE:-$HOME/.cache/stratum}"
self="$(readlink -f "${BASH_SOURCE[0]}")"

log() { printf '[busybox-image] %s\n' "$*" >&2; }

if [ ! -x "$busybox" ] || ! "$busybox" --list-full >/dev/null 2>&1; then
  log "$busybox is missing or not busybox: install Debian's busybox-static (scripts/setup.sh does)"
  exit 1
fi
hash="$(cat "$self" "$busybox" | sha256sum | cut -c1-12)"

current_hash() {
  docker image inspect --format '{{ index .Config.Labels "org.stratum.content-hash" }}' "$tag" 2>/dev/null || true
}

force=0
[ "${1:-}" = --force ] && force=1
if [ "$force" = 0 ] && [ "$(current_hash)" = "$hash" ]; then echo "$tag"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/busybox-image.lock"
flock 9
if [ "$force" = 0 ] && [ "$(current_hash)" = "$hash" ]; then echo "$tag"; exit 0; fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
# Each applet where a Linux system keeps it (bin/sh, usr/bin/env, ...).
while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

log "importing $tag"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . |
  docker import \
    --change 'CMD ["sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.stratum.content-hash=$hash" \
    - "$tag" >&2
echo "$tag"
