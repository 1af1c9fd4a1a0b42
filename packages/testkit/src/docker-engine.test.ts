import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { docker, dockerAvailable, dockerTier, ensureDockerEngine, isCi } from './docker-engine';
import { run } from './process';

const tier = await dockerTier();

describe('isCi', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
  ])('CI=%j → %s', (value, expected) => {
    vi.stubEnv('CI', value);
    expect(isCi()).toBe(expected);
  });

  it('is false when CI is unset', () => {
    vi.stubEnv('CI', undefined);
    expect(isCi()).toBe(false);
  });
});

const ENSURE_SCRIPT = fileURLToPath(new URL('../scripts/ensure-dockerd.sh', import.meta.url));

describe('ensure-dockerd.sh', () => {
  it('says why when no engine can run (exit 3, reason on stderr)', async () => {
    // A PATH with nothing on it: no docker CLI to be found.
    const result = await run('/bin/bash', [ENSURE_SCRIPT], { env: { PATH: '/nonexistent' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the docker CLI is not installed (Debian package docker.io)');
  });
});

describe.skipIf(!tier.run)('docker engine', () => {
  it('answers docker info once ensureDockerEngine resolves', async () => {
    await ensureDockerEngine();
    const info = await docker(['info', '--format', '{{.ServerVersion}}']);
    expect(info.stdout.trim()).toMatch(/^\d+\.\d+/);
  });

  it('starts dockerd when none answers, and leaves it running', async () => {
    // A private mount, network and PID namespace hides the machine's engine (its
    // socket lives in /run) and keeps the engine started here away from the
    // machine's network; its own /proc lets the script see its child by pid.
    // When the namespace's first process exits, the kernel ends and reaps
    // everything started in it.
    const cache = await mkdtemp(join(tmpdir(), 'testkit-dockerd-'));
    try {
      const inside = [
        'set -e',
        'mount --make-rprivate /',
        'mount -t tmpfs tmpfs /run',
        'mount -t tmpfs tmpfs /var/lib/docker',
        'ip link set lo up',
        `STRATUM_CACHE=${cache} bash ${ENSURE_SCRIPT}`,
        // Still up after the script has exited: the engine outlives its starter.
        "docker info --format 'engine {{.ServerVersion}}'",
      ].join('\n');
      const result = await run(
        'unshare',
        ['--mount', '--net', '--pid', '--fork', '--mount-proc', '--kill-child', 'bash', '-c', inside],
        {
          timeoutMs: 120_000,
        },
      );
      expect(result.stderr).toContain('[dockerd] starting dockerd');
      expect(result.stderr).toMatch(/\[dockerd\] dockerd is up \(pid \d+\)/);
      expect(result.stdout).toMatch(/^engine \d+\.\d+/);
      expect(result.code).toBe(0);
      expect(await readFile(join(cache, 'dockerd.log'), 'utf8')).toContain(
        'API listen on /var/run/docker.sock',
      );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 120_000);

  it('is reported available', async () => {
    expect(await dockerAvailable()).toEqual({ ok: true });
  });

  it('docker() throws CommandFailed with docker’s own message', async () => {
    const error = await docker(['image', 'inspect', 'stratum-test/no-such-image:never']).catch((e) => e);
    expect(error.code).toBe('CommandFailed');
    expect(error.detail).toMatch(/no such image/i);
  });
});
