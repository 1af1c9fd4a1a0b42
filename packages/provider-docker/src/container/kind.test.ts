import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { DockerError } from '../shared/errors';
import { dockerContainerKind } from './kind';
import { containerSchema } from './schema';

const HOST = 'root@192.0.2.10';
const ID = 'c'.repeat(64);
const SECRET = 'hunter2-very-secret';

function request(raw: Record<string, unknown>, name = 'db') {
  const attrs = containerSchema.parse(raw);
  return { kind: 'docker_container', name, attrs, raw: raw as never };
}

describe('dockerContainerKind', () => {
  it('creates, traces without secrets and records attrs + container_id + state', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', `${ID}\n`]]));
    const ctx = createTestContext(transport);
    const state = await dockerContainerKind.create(
      request({ host: HOST, image: 'postgres:16', env: { POSTGRES_PASSWORD: SECRET } }),
      ctx,
    );
    expect(state).toEqual({
      host: HOST,
      image: 'postgres:16',
      restart: 'unless-stopped',
      pull: true,
      env: { POSTGRES_PASSWORD: SECRET },
      name: 'db',
      container_id: ID,
      state: 'running',
    });
    expect(ctx.lines.map((l) => l.line)).toEqual([`[docker] CONTAINER \`db\` on ${HOST} (create)`]);
    expect(transport.commands()[0]).toMatch(
      /^docker pull postgres:16 >\/dev\/null && docker run -d --name db /,
    );
  });

  it('fails with the stderr tail only, masking env values docker echoed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker run', { exitCode: 125, stderr: `docker: invalid argument "POSTGRES_PASSWORD=${SECRET}"\n` }],
      ]),
    );
    const error = await dockerContainerKind
      .create(
        request({ host: HOST, image: 'postgres:16', pull: false, env: { POSTGRES_PASSWORD: SECRET } }),
        createTestContext(transport),
      )
      .catch((e: unknown) => e);
    expect(DockerError.isInstance(error)).toBe(true);
    const message = (error as DockerError).message;
    expect(message).toContain('docker_container `db` on root@192.0.2.10: docker run failed (exit 125)');
    expect(message).toContain('POSTGRES_PASSWORD=***');
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('--restart');
  });

  it('fails when docker run prints no container id', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', 'garbage\n']]));
    await expect(
      dockerContainerKind.create(
        request({ host: HOST, image: 'x:1', pull: false }),
        createTestContext(transport),
      ),
    ).rejects.toThrow(/printed no container id/);
  });

  it('recreates on update, removing the prior name too when the name changed', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', `${ID}\n`]]));
    const ctx = createTestContext(transport);
    await dockerContainerKind.update(
      {
        ...request({ host: HOST, image: 'x:2', name: 'db2', pull: false }),
        prior: { host: HOST, name: 'db1' },
      },
      ctx,
    );
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`db2\` on ${HOST} (recreate)`]);
    expect(transport.commands()).toEqual([
      '{ docker rm -f db1 >/dev/null 2>&1 || true; } && { docker rm -f db2 >/dev/null 2>&1 || true; } && docker run -d --name db2 --restart unless-stopped x:2',
    ]);
  });

  it('removes the container from the old host when the host changed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [(call) => call.host === 'root@old', ''],
        ['docker run', `${ID}\n`],
      ]),
    );
    await dockerContainerKind.update(
      { ...request({ host: HOST, image: 'x:2', pull: false }), prior: { host: 'root@old', name: 'db' } },
      createTestContext(transport),
    );
    expect(transport.calls.map((c) => [c.host, c.command.slice(0, 20)])).toEqual([
      ['root@old', 'docker rm -f db'],
      [HOST, '{ docker rm -f db >/'],
    ]);
  });

  it('deletes with docker rm -f and treats a missing container as deleted', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker rm -f', { exitCode: 1, stderr: 'Error: No such container: db\n' }]]),
    );
    const ctx = createTestContext(transport);
    await dockerContainerKind.delete(
      { kind: 'docker_container', name: 'db', prior: { host: HOST, name: 'db' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['docker rm -f db']);
  });

  it('probes with docker inspect and the label keys state recorded', () => {
    const probe = dockerContainerKind.probe!({
      kind: 'docker_container',
      name: 'web',
      prior: { host: HOST, name: 'web-1', labels: { a: '1' } },
    });
    expect(probe.host).toBe(HOST);
    expect(probe.script).toBe(`docker inspect web-1 --format '{{json .}}'`);
    const output = JSON.stringify({
      Id: ID,
      Name: '/web-1',
      State: { Status: 'running' },
      Config: { Image: 'x', Labels: { a: '1', b: '2' } },
      HostConfig: { RestartPolicy: { Name: 'always' } },
      NetworkSettings: { Networks: { bridge: {} } },
    });
    expect(probe.parse(output, 0)).toEqual({
      status: 'present',
      attrs: {
        host: HOST,
        name: 'web-1',
        image: 'x',
        restart: 'always',
        labels: { a: '1' },
        networks: [],
        container_id: ID,
      },
    });
  });
});
