/*
 * What the implicit per-host resources run and write. Kept apart from the
 * resource wiring so the scripts can be syntax-checked and executed in tests.
 */

/**
 * Creates a 4 GiB /swapfile, enables it and lists it in /etc/fstab, each step
 * only when it is not done yet, so a second run changes nothing. The file is
 * built under a temporary name and renamed at the end, so an interrupted run
 * never leaves a half-made /swapfile that the next run would trust.
 *
 * In a container swap belongs to the host kernel (swapon would fail or, worse,
 * act on the host), so the script says so and succeeds without doing anything.
 */
export const SWAP_SCRIPT = `set -eu
container=''
if command -v systemd-detect-virt >/dev/null 2>&1; then
  container=$(systemd-detect-virt --container 2>/dev/null) || container=''
fi
if [ "$container" = none ]; then
  container=''
fi
if [ -z "$container" ]; then
  if [ -e /.dockerenv ]; then
    container=docker
  elif [ -e /run/.containerenv ]; then
    container=podman
  fi
fi
if [ -n "$container" ]; then
  echo "swap: skipped, running in a container ($container)"
  exit 0
fi
swapfile=/swapfile
if [ ! -f "$swapfile" ]; then
  partial="$swapfile.stratum-partial"
  rm -f "$partial"
  if ! (umask 077 && fallocate -l 4G "$partial") 2>/dev/null; then
    rm -f "$partial"
    if ! output=$( (umask 077 && dd if=/dev/zero of="$partial" bs=1M count=4096) 2>&1 ); then
      rm -f "$partial"
      echo "swap: could not create $swapfile: $output" >&2
      exit 1
    fi
  fi
  chmod 600 "$partial"
  mkswap "$partial" >/dev/null
  mv "$partial" "$swapfile"
  echo "swap: created $swapfile (4 GiB)"
fi
if grep -q "^$swapfile[[:space:]]" /proc/swaps; then
  echo "swap: $swapfile already active"
else
  chmod 600 "$swapfile"
  swapon "$swapfile"
  echo "swap: enabled $swapfile"
fi
if grep -qs "^[[:space:]]*$swapfile[[:space:]]" /etc/fstab; then
  echo "swap: $swapfile already in /etc/fstab"
else
  echo "$swapfile none swap sw 0 0" >> /etc/fstab
  echo "swap: added $swapfile to /etc/fstab"
fi
`;

/** The sshd drop-in that keeps the OOM killer away from sshd, so a host under memory pressure stays reachable. */
export const SSHD_OOM_PATH = '/etc/systemd/system/ssh.service.d/oom.conf';
export const SSHD_OOM_CONTENT = '[Service]\nOOMScoreAdjust=-1000\n';
/** Applies the drop-in. Existing sessions survive: Debian's ssh.service kills only the listener. */
export const SSHD_RELOAD_COMMAND = 'systemctl daemon-reload && systemctl restart ssh';
