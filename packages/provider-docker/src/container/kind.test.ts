import { CommandFailedError } from '@stratum/core/kit';
import { createRecordingTransport, createTestContext, respondByCommand, runStep } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { DockerError } from '../shared/errors';
import { dockerContainerKind } from './kind';
import { containerSchema } from './schema';

const HOST = 'root@192.0.2.10';
const ID = 'c'.repeat(64);
const SECRET = 'hunter2-very-secret';

function create(raw: Record<string, unknown>, name = 'db') {
  return { action: 'create', kind: 'docker_container', name, attrs: containerSchema.parse(raw) } as const;
}

function update(raw: Record<string, unknown>, prior: Record<string, string>, name = 'db') {
  return { ...create(raw, name), action: 'update', prior } as const;
}

describe('dockerContainerKind', () => {
  it('creates, traces without secrets and records attrs + container_id + state', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', `${ID}\n`]]));
    const ctx = createTestContext(transport);
    const { recorded } = await runStep(
      dockerContainerKind,
      create({ host: HOST, image: 'postgres:16', env: { POSTGRES_PASSWORD: SECRET } }),
      ctx,
    );
    expect(recorded).toEqual({
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

  it('builds one run command that masks env values and shell-line command elements', async () => {
    const operation = await dockerContainerKind.create({
      kind: 'docker_container',
      name: 'db',
      attrs: containerSchema.parse({
        host: HOST,
        image: 'redis:7',
        env: { PASSWORD: SECRET, PORT: 6379 },
        command: ['sh', '-c', 'redis-server --requirepass x'],
      }),
      raw: {},
    });
    expect(operation.host).toBe(HOST);
    expect(operation.commands).toHaveLength(1);
    expect(operation.commands[0]).toMatchObject({
      step: 'docker pull / docker run',
      sensitive: [SECRET, '6379', 'redis-server --requirepass x'],
      timeoutMs: 15 * 60_000,
    });
  });

  it('fails with the stderr tail only, masking env values docker echoed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker run', { exitCode: 125, stderr: `docker: invalid argument "POSTGRES_PASSWORD=${SECRET}"\n` }],
      ]),
    );
    const error = await runStep(
      dockerContainerKind,
      create({ host: HOST, image: 'postgres:16', pull: false, env: { POSTGRES_PASSWORD: SECRET } }),
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    const message = (error as CommandFailedError).message;
    expect(message).toBe(
      'docker_container.db: docker run failed on root@192.0.2.10 (exit 125):\ndocker: invalid argument "POSTGRES_PASSWORD=***"',
    );
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('--restart');
  });

  it('fails when docker run prints no container id', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', 'garbage\n']]));
    const error = await runStep(
      dockerContainerKind,
      create({ host: HOST, image: 'x:1', pull: false }),
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(DockerError.isInstance(error)).toBe(true);
    expect((error as DockerError).code).toBe('DockerUnexpectedOutput');
    expect((error as DockerError).message).toBe(
      `docker_container.db: docker run on ${HOST} succeeded but printed no container id`,
    );
  });

  it('recreates on update, removing the prior name too when the name changed', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker run', `${ID}\n`]]));
    const ctx = createTestContext(transport);
    const { recorded } = await runStep(
      dockerContainerKind,
      update({ host: HOST, image: 'x:2', name: 'db2', pull: false }, { host: HOST, name: 'db1' }),
      ctx,
    );
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`db2\` on ${HOST} (recreate)`]);
    expect(transport.commands()).toEqual([
      '{ docker rm -f db1 >/dev/null 2>&1 || true; } && { docker rm -f db2 >/dev/null 2>&1 || true; } && docker run -d --name db2 --restart unless-stopped x:2',
    ]);
    expect(recorded).toMatchObject({ name: 'db2', container_id: ID });
  });

  it('removes the container from the old host when the host changed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [(call) => call.host === 'root@old', { exitCode: 1, stderr: 'Error: No such container: db\n' }],
        ['docker run', `${ID}\n`],
      ]),
    );
    const { recorded } = await runStep(
      dockerContainerKind,
      update({ host: HOST, image: 'x:2', pull: false }, { host: 'root@old', name: 'db' }),
      createTestContext(transport),
    );
    expect(transport.calls.map((c) => [c.host, c.command.slice(0, 20)])).toEqual([
      ['root@old', 'docker rm -f db'],
      [HOST, '{ docker rm -f db >/'],
    ]);
    expect(recorded).toMatchObject({ host: HOST, container_id: ID });
  });

  it('stops before running on the new host when the old container cannot be removed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [
          (call) => call.host === 'root@old',
          { exitCode: 1, stderr: 'Cannot connect to the Docker daemon\n' },
        ],
      ]),
    );
    const error = await runStep(
      dockerContainerKind,
      update({ host: HOST, image: 'x:2', pull: false }, { host: 'root@old', name: 'db' }),
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'docker_container.db: docker rm -f db failed on root@old (exit 1):\nCannot connect to the Docker daemon',
    );
    expect(transport.calls).toHaveLength(1);
  });

  it('deletes with docker rm -f and treats a missing container as deleted', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker rm -f', { exitCode: 1, stderr: 'Error: No such container: db\n' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      dockerContainerKind,
      { action: 'delete', kind: 'docker_container', name: 'db', prior: { host: HOST, name: 'db' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['docker rm -f db']);
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`db\` on ${HOST} (delete)`]);
    expect(ctx.warnings()).toEqual([]);
  });

  it('fails a delete docker refuses', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker rm -f', { exitCode: 1, stderr: 'permission denied\n' }]]),
    );
    await expect(
      runStep(
        dockerContainerKind,
        { action: 'delete', kind: 'docker_container', name: 'db', prior: { host: HOST, name: 'db-1' } },
        createTestContext(transport),
      ),
    ).rejects.toThrow(
      `docker_container.db: docker rm -f db-1 failed on ${HOST} (exit 1):\npermission denied`,
    );
  });

  it('refuses to delete an entry whose state records no host', () => {
    expect(() =>
      dockerContainerKind.delete({ kind: 'docker_container', name: 'db', prior: { name: 'db' } }),
    ).toThrow(/docker_container\.db: the state entry has no host/);
  });

  it('probes with docker inspect and the label keys state recorded', () => {
    const probe = dockerContainerKind.probe!({
      kind: 'docker_container',
      name: 'web',
      prior: { host: HOST, name: 'web-1', labels: { a: '1' } },
    });
    expect(probe.host).toBe(HOST);
    expect(probe.script).toBe(`docker container inspect web-1 --format '{{json .}}'`);
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

describe('docker_container hooks', () => {
  const claims = (raw: Record<string, unknown>, name = 'web') =>
    dockerContainerKind.claims!({ kind: 'docker_container', name, attrs: containerSchema.parse(raw) });

  it('is identified by host and name and takes secret references anywhere else', () => {
    expect(dockerContainerKind.identity).toEqual(['host', 'name']);
    expect(dockerContainerKind.secrets).toEqual({ refs: '*' });
  });

  it('claims every fixed host port with protocol and bind address, and its name', () => {
    expect(
      claims({
        host: HOST,
        image: 'x',
        name: 'web-1',
        ports: ['80:80', '127.0.0.1:5432:5432', '0.0.0.0:443:443/tcp', '[::1]:8080:80', '[::]:53:53/udp'],
      }),
    ).toEqual({
      host: HOST,
      claims: [
        { type: 'port', port: 80, protocol: 'tcp', bind: undefined, label: '80:80' },
        { type: 'port', port: 5432, protocol: 'tcp', bind: '127.0.0.1', label: '127.0.0.1:5432:5432' },
        { type: 'port', port: 443, protocol: 'tcp', bind: undefined, label: '0.0.0.0:443:443/tcp' },
        { type: 'port', port: 8080, protocol: 'tcp', bind: '::1', label: '[::1]:8080:80' },
        { type: 'port', port: 53, protocol: 'udp', bind: undefined, label: '[::]:53:53/udp' },
        { type: 'name', space: 'container name', value: 'web-1' },
      ],
    });
  });

  it('claims the label as the name when none is given, and nothing for no ports', () => {
    expect(claims({ host: HOST, image: 'x' })).toEqual({
      host: HOST,
      claims: [{ type: 'name', space: 'container name', value: 'web' }],
    });
  });

  it('leaves random and unknown port shapes out and notes ranges as unchecked', () => {
    expect(
      claims({ host: HOST, image: 'x', ports: ['5432', '127.0.0.1::5432', 'http', '8000-8010:8000-8010'] }),
    ).toEqual({
      host: HOST,
      claims: [{ type: 'name', space: 'container name', value: 'web' }],
      unchecked: ['port range `8000-8010:8000-8010` is not checked for conflicts'],
    });
  });

  it('pauses briefly after a container without a healthcheck', () => {
    const attrs = containerSchema.parse({ host: HOST, image: 'x' });
    expect(
      dockerContainerKind.ready!({ kind: 'docker_container', name: 'web', attrs, recorded: {} }),
    ).toEqual({ type: 'pause', ms: 500 });
  });

  it('polls the health status of the container it recorded, once a second up to 60 times', () => {
    const attrs = containerSchema.parse({ host: HOST, image: 'x', healthcheck: { test: 'true' } });
    const readiness = dockerContainerKind.ready!({
      kind: 'docker_container',
      name: 'web',
      attrs,
      recorded: { name: 'web-1' },
    });
    expect(readiness).toMatchObject({
      type: 'poll',
      host: HOST,
      command: `docker container inspect --format '{{.State.Health.Status}}' web-1`,
      intervalMs: 1000,
      maxPolls: 60,
    });
  });
});
