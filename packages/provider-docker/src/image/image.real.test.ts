import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@stratum/core';
import { runStep } from '@stratum/core/test';
import { BUSYBOX_IMAGE, docker, dockerTier, ensureBusyboxImage } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, startLoopback } from '../__tests__/loopback';
import { inspect, TestNames } from '../__tests__/names';
import { createDockerProvider } from '../provider';
import { dockerImageKind } from './kind';
import { imageSchema } from './schema';

/**
 * docker_image against this machine's engine through the pooled ssh
 * transport. The Dockerfile uses `RUN --mount`, which the classic builder
 * refuses: a passing build proves BuildKit ran. See `withPathFirst` for why
 * the loopback host resolves `docker` to Debian's CLI.
 */

const tier = await dockerTier();
const provider = createDockerProvider();
const names = new TestNames();
let lo: Loopback;
let context: string;

const DOCKERFILE = [
  `FROM ${BUSYBOX_IMAGE}`,
  'ARG GREETING=hello',
  'RUN --mount=type=tmpfs,target=/scratch echo "$GREETING" > /scratch/g && cp /scratch/g /greeting',
  '',
].join('\n');

beforeAll(async () => {
  if (!tier.run) return;
  [lo, , context] = await Promise.all([
    startLoopback({ pathFirst: '/usr/bin' }),
    ensureBusyboxImage(),
    mkdtemp(join(tmpdir(), 'stratum-ctx-')),
  ]);
  await writeFile(join(context, 'Dockerfile.test'), DOCKERFILE);
});

afterAll(async () => {
  if (!tier.run) return;
  await names.cleanup();
  await Promise.all([lo?.close(), context && rm(context, { recursive: true, force: true })]);
});

async function greeting(tag: string): Promise<string> {
  return (await docker(['run', '--rm', tag, 'cat', '/greeting'])).stdout.trim();
}

describe.skipIf(!tier.run)('docker_image', { timeout: 120_000 }, () => {
  it('builds with BuildKit, records the image id, rebuilds on new build args and reads removal as absent', async () => {
    const tag = names.image('app');
    const raw: JsonObject = {
      host: lo.host,
      tag,
      context,
      dockerfile: 'Dockerfile.test',
      build_args: { GREETING: 'one' },
    };
    const request = (r: JsonObject) =>
      ({ action: 'create', kind: 'docker_image', name: 'app', attrs: imageSchema.parse(r), raw: r }) as const;

    const ctx = lo.ctx();
    const first = (await runStep(dockerImageKind, request(raw), ctx)).recorded!;
    expect(ctx.traces()).toEqual([`[docker] IMAGE \`${tag}\` on ${lo.host} (context=${context})`]);
    const liveId = (await inspect('--type', 'image', tag))?.Id;
    expect(first).toEqual({ ...imageSchema.parse(raw), image_id: liveId, id: liveId });
    expect(await greeting(tag)).toBe('one');
    expect(await lo.refresh(provider, 'docker_image', 'app', raw, first)).toMatchObject({
      changes: [],
      missing: false,
    });

    const raw2 = { ...raw, build_args: { GREETING: 'two' } };
    const second = (
      await runStep(dockerImageKind, { ...request(raw2), action: 'update', prior: first }, lo.ctx())
    ).recorded!;
    expect(second.image_id).not.toBe(first.image_id);
    expect(second.image_id).toBe((await inspect('--type', 'image', tag))?.Id);
    expect(await greeting(tag)).toBe('two');

    await docker(['rmi', tag]);
    expect(await lo.refresh(provider, 'docker_image', 'app', raw2, second)).toMatchObject({
      changes: [],
      missing: true,
    });

    // Rebuilt out of band: the id differs from the one state recorded.
    await docker(
      [
        'build',
        '-q',
        '-t',
        tag,
        '-f',
        join(context, 'Dockerfile.test'),
        '--build-arg',
        'GREETING=three',
        context,
      ],
      {
        env: { DOCKER_BUILDKIT: '1', PATH: `/usr/bin:${process.env.PATH}` },
      },
    );
    const drift = await lo.refresh(provider, 'docker_image', 'app', raw2, second);
    expect(drift.changes.map((c) => c.field).sort()).toEqual(['id', 'image_id']);
  });

  it('fails a broken build with the builder error', async () => {
    const tag = names.image('broken');
    await writeFile(join(context, 'Dockerfile.broken'), `FROM ${BUSYBOX_IMAGE}\nRUN exit 3\n`);
    const raw = { host: lo.host, tag, context, dockerfile: 'Dockerfile.broken' };
    await expect(
      runStep(
        dockerImageKind,
        { action: 'create', kind: 'docker_image', name: 'broken', attrs: imageSchema.parse(raw) },
        lo.ctx(),
      ),
    ).rejects.toThrow(
      /^docker_image\.broken: docker build failed on root@127\.0\.0\.1 \(exit 1\):\n[\s\S]*exit 3/,
    );
  });

  it('deletes the tag best-effort', async () => {
    const tag = names.image('del');
    const raw = { host: lo.host, tag, context, dockerfile: 'Dockerfile.test' };
    const { recorded } = await runStep(
      dockerImageKind,
      { action: 'create', kind: 'docker_image', name: 'del', attrs: imageSchema.parse(raw) },
      lo.ctx(),
    );
    const remove = { action: 'delete', kind: 'docker_image', name: 'del', prior: recorded! } as const;
    await runStep(dockerImageKind, remove, lo.ctx());
    expect(await inspect('--type', 'image', tag)).toBeUndefined();
    const ctx = lo.ctx();
    await runStep(dockerImageKind, remove, ctx);
    expect(ctx.warnings()).toEqual([]);
  });
});
