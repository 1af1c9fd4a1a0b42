#!/bin/sh
# Builds the docker image local/debian:bookworm from Debian packages with
# debootstrap, so that later images can start FROM it without an image hub.
# Does nothing when the image already exists: running it twice is harmless.
set -eu
image=local/debian:bookworm
mirror=http://deb.debian.org/debian
rootfs=/var/tmp/stratum-base-rootfs
log=/var/log/stratum-base-image.log

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image: $image already exists"
  exit 0
fi
rm -rf "$rootfs"
if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "base image: debootstrap failed; the whole log is in $log" >&2
  exit 1
fi
tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
rm -rf "$rootfs"
echo "base image: built $image"
