import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { buildImageCommand, imageIdCommand, lookupRef } from './commands';
import { dockerImageKind } from './kind';
import { parseImageId, parseImageProbe } from './probe';
import { imageSchema } from './schema';

const HOST = 'root@192.0.2.10';
const ID = `sha256:${'d'.repeat(64)}`;

describe('docker_image schema', () => {
  it('defaults dockerfile and pull_base', () => {
    expect(imageSchema.parse({ host: HOST, tag: 'api:dev', context: '/srv/api' })).toEqual({
      host: HOST,
      tag: 'api:dev',
      context: '/srv/api',
      dockerfile: 'Dockerfile',
      pull_base: false,
    });
  });

  it('requires tag and an absolute context', () => {
    expect(imageSchema.safeParse({ host: HOST, context: '/srv' }).success).toBe(false);
    expect(imageSchema.safeParse({ host: HOST, tag: 't', context: 'srv' }).success).toBe(false);
  });
});

describe('buildImageCommand', () => {
  it('is the minimal build line', () => {
    const attrs = imageSchema.parse({ host: HOST, tag: 'api:dev', context: '/srv/repos/api' });
    expect(buildImageCommand(attrs)).toBe(
      'cd /srv/repos/api && DOCKER_BUILDKIT=1 docker build -t api:dev -f Dockerfile .',
    );
  });

  it('orders target, sorted build args and --pull before -t', () => {
    const attrs = imageSchema.parse({
      host: HOST,
      tag: 'api:dev',
      context: '/srv/my api',
      dockerfile: 'docker/Dockerfile.prod',
      target: 'runner',
      pull_base: true,
      build_args: { NODE_ENV: 'production', API_URL: 'https://api.example.com', N: 3 },
    });
    expect(buildImageCommand(attrs)).toBe(
      `cd '/srv/my api' && DOCKER_BUILDKIT=1 docker build --target runner --build-arg 'API_URL=https://api.example.com'` +
        ` --build-arg 'N=3' --build-arg 'NODE_ENV=production' --pull -t api:dev -f docker/Dockerfile.prod .`,
    );
  });

  it('looks tags up with an explicit :latest', () => {
    expect(lookupRef('api')).toBe('api:latest');
    expect(lookupRef('api:dev')).toBe('api:dev');
    expect(lookupRef('127.0.0.1:5000/team/api')).toBe('127.0.0.1:5000/team/api:latest');
    expect(lookupRef('127.0.0.1:5000/team/api:1')).toBe('127.0.0.1:5000/team/api:1');
    expect(imageIdCommand('api:dev')).toBe(`docker images --no-trunc --format '{{.ID}}' api:dev`);
  });
});

describe('image probe', () => {
  const prior = {
    host: HOST,
    tag: 'api:dev',
    context: '/srv/api',
    dockerfile: 'Dockerfile',
    build_args: { A: '1' },
    pull_base: false,
    image_id: ID,
    id: ID,
  };

  it('reads the id', () => {
    expect(parseImageId(`${ID}\n`)).toBe(ID);
    expect(parseImageId('\n')).toBeNull();
    expect(parseImageId('garbage')).toBeUndefined();
  });

  it('echoes the build-time fields from state', () => {
    expect(parseImageProbe(prior, HOST, 'api:dev', `${ID}\n`, 0)).toEqual({
      status: 'present',
      attrs: {
        host: HOST,
        tag: 'api:dev',
        image_id: ID,
        id: ID,
        context: '/srv/api',
        dockerfile: 'Dockerfile',
        build_args: { A: '1' },
        pull_base: false,
      },
    });
  });

  it('is absent on empty output, unknown on failure or garbage', () => {
    expect(parseImageProbe(prior, HOST, 'api:dev', '', 0)).toEqual({ status: 'absent' });
    expect(parseImageProbe(prior, HOST, 'api:dev', 'Cannot connect to the Docker daemon', 1).status).toBe(
      'unknown',
    );
    expect(parseImageProbe(prior, HOST, 'api:dev', 'what?', 0).status).toBe('unknown');
  });
});

describe('dockerImageKind', () => {
  it('builds, looks the id up and records it twice', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker build', { stderr: '#1 DONE\n' }],
        ['docker images', `${ID}\n`],
      ]),
    );
    const ctx = createTestContext(transport);
    const attrs = imageSchema.parse({ host: HOST, tag: 'api:dev', context: '/srv/api' });
    const state = await dockerImageKind.create({ kind: 'docker_image', name: 'api', attrs, raw: {} }, ctx);
    expect(state).toEqual({ ...attrs, image_id: ID, id: ID });
    expect(ctx.traces()).toEqual([`[docker] IMAGE \`api:dev\` on ${HOST} (context=/srv/api)`]);
  });

  it('fails with the build error, masking build arg values', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker build', { exitCode: 1, stderr: 'step failed: token=supersecret-token\n' }]]),
    );
    const attrs = imageSchema.parse({
      host: HOST,
      tag: 'api:dev',
      context: '/srv/api',
      build_args: { TOKEN: 'supersecret-token' },
    });
    const error = await dockerImageKind
      .create({ kind: 'docker_image', name: 'api', attrs, raw: {} }, createTestContext(transport))
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/docker build failed \(exit 1\):\nstep failed: token=\*\*\*/);
    expect((error as Error).message).not.toContain('supersecret');
  });

  it('removes the old tag best-effort when the tag changed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker build', ''],
        ['docker images', `${ID}\n`],
        ['docker rmi', { exitCode: 1, stderr: 'conflict: image is being used by running container\n' }],
      ]),
    );
    const ctx = createTestContext(transport);
    const attrs = imageSchema.parse({ host: HOST, tag: 'api:2', context: '/srv/api' });
    await dockerImageKind.update(
      { kind: 'docker_image', name: 'api', attrs, raw: {}, prior: { host: HOST, tag: 'api:1' } },
      ctx,
    );
    expect(transport.commands().at(-1)).toBe('docker rmi api:1');
    expect(ctx.warnings()).toHaveLength(1);
  });
});
