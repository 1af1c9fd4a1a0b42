import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerTier } from './docker-engine';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './images';
import { tcpAccepts } from './process';
import { type LocalRegistry, pushImage, startLocalRegistry } from './registry';

const tier = await dockerTier();

describe('local registry', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('answers the v2 API on a loopback port', async () => {
    expect(registry.host).toBe(`127.0.0.1:${registry.port}`);
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it.skipIf(!tier.run)(
    'round-trips an image: push, remove locally, pull, run',
    async () => {
      await ensureBusyboxImage();
      const ref = `${registry.host}/busybox:test`;
      const pushed = await pushImage(BUSYBOX_IMAGE, ref);
      expect(pushed.ref).toBe(ref);
      expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // pushImage drops its extra tag, so the pull below really fetches.
      expect((await docker(['image', 'inspect', ref], { check: false })).code).not.toBe(0);

      const catalog = await (await fetch(`${registry.url}/v2/_catalog`)).json();
      expect(catalog).toEqual({ repositories: ['busybox'] });
      const manifest = await fetch(`${registry.url}/v2/busybox/manifests/test`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      expect(manifest.headers.get('docker-content-digest')).toBe(pushed.digest);

      try {
        const pulled = await docker(['pull', ref]);
        expect(pulled.stdout).toContain(`Digest: ${pushed.digest}`);
        expect((await docker(['run', '--rm', ref, 'echo', 'pulled and ran'])).stdout).toBe(
          'pulled and ran\n',
        );
      } finally {
        await docker(['image', 'rm', ref], { check: false });
      }
    },
    120_000,
  );

  it('stop() ends the registry and removes its storage', async () => {
    const other = await startLocalRegistry();
    await other.stop();
    expect(await tcpAccepts(other.port)).toBe(false);
    expect(existsSync(other.dataDir)).toBe(false);
  });
});
