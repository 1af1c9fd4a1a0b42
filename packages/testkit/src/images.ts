import { fileURLToPath } from 'node:url';
import { ensureDockerEngine } from './docker-engine';
import { run, tail } from './process';
import { TestkitError } from './testkit-error';

/**
 * Local images for tests, built from Debian packages on this machine. No image
 * is ever pulled from a hub (none is reachable, and tests must not depend on one).
 * The builds are shell scripts so setup and CI can run them too.
 */

/** The busybox image's tag: usable as `FROM stratum-test/busybox` and to run `sh`, `sleep` or `httpd`. */
export const BUSYBOX_IMAGE = 'stratum-test/busybox:latest';

const scriptPath = (name: string) => fileURLToPath(new URL(`../scripts/${name}`, import.meta.url));
const BUSYBOX_SCRIPT = scriptPath('build-busybox-image.sh');
const DROPLET_SCRIPT = scriptPath('build-droplet-image.sh');

let busybox: Promise<string> | undefined;
let droplet: Promise<string> | undefined;

/**
 * Makes sure `stratum-test/busybox:latest` exists (Debian's busybox-static plus
 * one symlink per applet, ~2 MB) and returns its tag. Rebuilt when the build
 * script or the busybox binary changed. Memoized per process.
 */
export function ensureBusyboxImage(): Promise<string> {
  busybox ??= buildWith(BUSYBOX_SCRIPT, 'busybox image', 120_000).catch((error: unknown) => {
    busybox = undefined;
    throw error;
  });
  return busybox;
}

/**
 * Makes sure the "fresh droplet" image exists and returns its tag,
 * `stratum-test/droplet:<hash of the build script>`. From nothing this runs
 * debootstrap (about a minute); afterwards the existing tag is reused.
 * Memoized per process; concurrent builds from several test files are
 * serialised by a lock in the script.
 */
export function ensureDropletImage(): Promise<string> {
  droplet ??= buildWith(DROPLET_SCRIPT, 'droplet image', 20 * 60_000).catch((error: unknown) => {
    droplet = undefined;
    throw error;
  });
  return droplet;
}

/** The droplet image's tag for the current build script, whether or not it is built yet. */
export async function dropletImageTag(): Promise<string> {
  const result = await run('bash', [DROPLET_SCRIPT, '--print-tag'], { check: true });
  return result.stdout.trim();
}

async function buildWith(script: string, what: string, timeoutMs: number): Promise<string> {
  await ensureDockerEngine();
  const result = await run('bash', [script], { timeoutMs });
  const tag = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || tag === '') {
    throw new TestkitError('ImageBuildFailed', `building the ${what} failed (exit code ${result.code})`, {
      hint: `Run bash ${script} by hand to see the whole output.`,
      detail: tail(result.stderr),
    });
  }
  return tag;
}
