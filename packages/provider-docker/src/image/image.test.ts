import { CommandFailedError } from '@stratum/core/kit';
import { createRecordingTransport, createTestContext, respondByCommand, runStep } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { DockerError } from '../shared/errors';
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
    expect(imageSchema.safeParse({ host: HOST, tag: 't', context: '/srv\0x' }).success).toBe(false);
    expect(imageSchema.safeParse({ host: '', tag: 't', context: '/srv' }).success).toBe(false);
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
  const attrsOf = (raw: Record<string, unknown>) =>
    imageSchema.parse({ host: HOST, context: '/srv/api', ...raw });

  it('builds, looks the id up and records it twice', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker build', { stderr: '#1 DONE\n' }],
        ['docker images', `${ID}\n`],
      ]),
    );
    const ctx = createTestContext(transport);
    const attrs = attrsOf({ tag: 'api:dev' });
    const { recorded } = await runStep(
      dockerImageKind,
      { action: 'create', kind: 'docker_image', name: 'api', attrs },
      ctx,
    );
    expect(recorded).toEqual({ ...attrs, image_id: ID, id: ID });
    expect(ctx.traces()).toEqual([`[docker] IMAGE \`api:dev\` on ${HOST} (context=/srv/api)`]);
    expect(transport.commands()).toEqual([buildImageCommand(attrs), imageIdCommand('api:dev')]);
  });

  it('masks build arg values in both commands and gives the build an hour', async () => {
    const operation = await dockerImageKind.create({
      kind: 'docker_image',
      name: 'api',
      attrs: attrsOf({ tag: 'api:dev', build_args: { TOKEN: 'supersecret-token', N: 3 } }),
      raw: {},
    });
    expect(operation.commands.map((c) => [c.step, c.sensitive, c.timeoutMs])).toEqual([
      ['docker build', ['3', 'supersecret-token'], 60 * 60_000],
      ['docker images', ['3', 'supersecret-token'], undefined],
    ]);
  });

  it('fails with the build error, masking build arg values', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker build', { exitCode: 1, stderr: 'step failed: token=supersecret-token\n' }]]),
    );
    const error = await runStep(
      dockerImageKind,
      {
        action: 'create',
        kind: 'docker_image',
        name: 'api',
        attrs: attrsOf({ tag: 'api:dev', build_args: { TOKEN: 'supersecret-token' } }),
      },
      createTestContext(transport),
    ).catch((e: unknown) => e as Error);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as CommandFailedError).message).toBe(
      `docker_image.api: docker build failed on ${HOST} (exit 1):\nstep failed: token=***`,
    );
    expect((error as CommandFailedError).hint).toMatch(/BuildKit/);
    expect(transport.commands()).toHaveLength(1);
  });

  it('fails when docker lists no image after the build', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker build', ''],
        ['docker images', ''],
      ]),
    );
    const error = await runStep(
      dockerImageKind,
      { action: 'create', kind: 'docker_image', name: 'api', attrs: attrsOf({ tag: 'api:dev' }) },
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(DockerError.isInstance(error)).toBe(true);
    expect((error as DockerError).code).toBe('DockerUnexpectedOutput');
    expect((error as DockerError).message).toBe(
      `docker_image.api: the build on ${HOST} succeeded but docker lists no image for \`api:dev\``,
    );
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
    const { recorded } = await runStep(
      dockerImageKind,
      {
        action: 'update',
        kind: 'docker_image',
        name: 'api',
        attrs: attrsOf({ tag: 'api:2' }),
        prior: { host: HOST, tag: 'api:1' },
      },
      ctx,
    );
    expect(transport.commands().at(-1)).toBe('docker rmi api:1');
    expect(recorded).toMatchObject({ tag: 'api:2', image_id: ID });
    expect(ctx.warnings()).toEqual([
      `docker_image.api: docker rmi api:1 on ${HOST} failed (exit 1); ignored: conflict: image is being used by running container`,
    ]);
  });

  it('removes the tag from the old host when the host changed, and nothing when neither changed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker build', ''],
        ['docker images', `${ID}\n`],
        ['docker rmi', { exitCode: 1, stderr: 'Error: No such image: api:1\n' }],
      ]),
    );
    const ctx = createTestContext(transport);
    const attrs = attrsOf({ tag: 'api:1' });
    await runStep(
      dockerImageKind,
      {
        action: 'update',
        kind: 'docker_image',
        name: 'api',
        attrs,
        prior: { host: 'root@old', tag: 'api:1' },
      },
      ctx,
    );
    expect(transport.calls.map((c) => c.host)).toEqual([HOST, HOST, 'root@old']);
    expect(ctx.warnings()).toEqual([]);
    const same = await dockerImageKind.update({
      kind: 'docker_image',
      name: 'api',
      attrs,
      raw: {},
      prior: { host: HOST, tag: 'api:1' },
    });
    expect(same.commands.map((c) => c.step)).toEqual(['docker build', 'docker images']);
  });

  it('deletes the tag best-effort and counts a missing image as deleted', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker rmi', { exitCode: 1, stderr: 'Error: No such image: api:1\n' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      dockerImageKind,
      { action: 'delete', kind: 'docker_image', name: 'api', prior: { host: HOST, tag: 'api:1' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['docker rmi api:1']);
    expect(ctx.traces()).toEqual([`[docker] IMAGE \`api:1\` on ${HOST} (delete)`]);
    expect(ctx.warnings()).toEqual([]);
  });

  it('deletes nothing when state records no tag, and refuses an entry without a host', async () => {
    expect(
      await dockerImageKind.delete({ kind: 'docker_image', name: 'api', prior: { host: HOST } }),
    ).toEqual({ host: HOST, commands: [] });
    expect(() =>
      dockerImageKind.delete({ kind: 'docker_image', name: 'api', prior: { tag: 'api:1' } }),
    ).toThrow(/docker_image\.api: the state entry has no host/);
  });
});

describe('docker_image hooks', () => {
  it('is identified by host and tag and takes secret references anywhere else', () => {
    expect(dockerImageKind.identity).toEqual(['host', 'tag']);
    expect(dockerImageKind.secrets).toEqual({ refs: '*' });
  });

  it('claims its tag on its host', () => {
    const attrs = imageSchema.parse({ host: HOST, tag: 'api:dev', context: '/srv/api' });
    expect(dockerImageKind.claims!({ kind: 'docker_image', name: 'api', attrs })).toEqual({
      host: HOST,
      claims: [{ type: 'name', space: 'image tag', value: 'api:dev' }],
    });
  });
});
