#!/usr/bin/env bash
# Builds the "fresh droplet" image: Debian bookworm with systemd as PID 1, sshd,
# apt and ufw (installed, inactive), made only from Debian packages
# (debootstrap -> tar -> docker import). Nothing is pulled from an image hub.
#
# Prints the image tag (stratum-test/droplet:<hash>) on stdout; progress goes to
# stderr. The hash is taken over this file, so any change to the package list or
# the configuration below yields a new tag and a rebuild. An existing tag is
# reused; a finished root filesystem in the cache is reused too.
#
# Usage: build-droplet-image.sh [--print-tag] [--force]
# Environment:
#   STRATUM_CACHE          cache directory (default ~/.cache/stratum)
#   STRATUM_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

suite=bookworm
mirror="${STRATUM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${STRATUM_CACHE:-$HOME/.cache/stratum}"
# What a fresh cloud droplet has: systemd and dbus, sshd, apt, the usual tools,
# and ufw installed but not enabled. docker.io is NOT here: the tutorials install it.
packages=systemd,systemd-sysv,dbus,openssh-server,ca-certificates,iproute2,procps,ufw,sudo,curl,netbase,iputils-ping,kmod,less

self="$(readlink -f "${BASH_SOURCE[0]}")"
hash="$(sha256sum "$self" | cut -c1-12)"
tag="stratum-test/droplet:$hash"

log() { printf '[droplet-image] %s\n' "$*" >&2; }

print_tag=0 force=0
for arg in "$@"; do
  case "$arg" in
    --print-tag) print_tag=1 ;;
    --force) force=1 ;;
    *) log "unknown argument: $arg"; exit 2 ;;
  esac
done
if [ "$print_tag" = 1 ]; then echo "$tag"; exit 0; fi

image_exists() { docker image inspect "$tag" >/dev/null 2>&1; }

if [ "$force" = 0 ] && image_exists; then echo "$tag"; exit 0; fi

mkdir -p "$cache"
# Several test files may ask for the image at once: one builds, the others wait.
exec 9>"$cache/droplet-image.lock"
flock 9
if [ "$force" = 0 ] && image_exists; then echo "$tag"; exit 0; fi

rootfs="$cache/droplet-rootfs-$hash"
if [ "$force" = 1 ] || [ ! -e "$rootfs/.stratum-complete" ]; then
  rm -rf "$rootfs"
  log "debootstrap $suite ($mirror) into $rootfs"
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >&2

  # apt sources like a real machine: the release, its updates and security.
  security_mirror="${mirror%/debian}/debian-security"
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
SOURCES

  # A machine-id per container: systemd writes one at first boot when empty.
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"
  echo droplet >"$rootfs/etc/hostname"

  # Host keys are per droplet, not per image. The test kit copies in freshly made
  # keys before the first boot; when none are there (the image run by hand),
  # this unit makes them, like a cloud image's first boot does.
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  cat >"$rootfs/etc/systemd/system/ssh-host-keys.service" <<'UNIT'
[Unit]
Description=Generate SSH host keys on first boot
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/ssh-host-keys.service \
    "$rootfs/etc/systemd/system/multi-user.target.wants/ssh-host-keys.service"

  # The engine mounts the container's cgroup hierarchies read-only unless it runs
  # --privileged, which this kind of VM refuses. In its own cgroup namespace the
  # container sees only its own subtree, so making those mounts writable lets
  # systemd (and a docker engine installed later) manage cgroups nested under
  # the container without touching the host's tree. Then systemd becomes PID 1.
  mkdir -p "$rootfs/usr/local/sbin"
  cat >"$rootfs/usr/local/sbin/droplet-init" <<'INIT'
#!/bin/sh
awk '$2 ~ "^/sys/fs/cgroup" { print $2 }' /proc/self/mounts | while read -r mnt; do
  mount -o remount,bind,rw "$mnt" || echo "droplet-init: cannot make $mnt writable" >&2
done
exec /sbin/init "$@"
INIT
  chmod 755 "$rootfs/usr/local/sbin/droplet-init"

  # Units that cannot work in a container and would only show up as failed.
  for unit in systemd-remount-fs.service getty@tty1.service console-getty.service \
    systemd-firstboot.service systemd-udevd.service sys-kernel-config.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done

  # Keep the image small: no downloaded .debs, no package lists (a fresh droplet's
  # lists are stale anyway; `apt-get update` comes first).
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  touch "$rootfs/.stratum-complete"
fi

log "importing $tag"
# The engine's `import` takes no STOPSIGNAL: whoever runs the image passes
# --stop-signal SIGRTMIN+3 (systemd's "halt") instead.
tar -C "$rootfs" --numeric-owner --exclude=./.stratum-complete -cf - . |
  docker import \
    --change 'CMD ["/usr/local/sbin/droplet-init"]' \
    --change 'ENV container=docker' \
    --change "LABEL org.stratum.content-hash=$hash" \
    - "$tag" >&2
# Root filesystems of older versions of this script are of no further use.
for old in "$cache"/droplet-rootfs-*; do
  [ "$old" = "$rootfs" ] || rm -rf "$old"
done
echo "$tag"
