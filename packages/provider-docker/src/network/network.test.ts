import { CommandFailedError } from '@stratum/core/kit';
import { createRecordingTransport, createTestContext, respondByCommand, runStep } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { ensureNetworkCommand, inspectNetworkCommand, removeNetworkCommand } from './commands';
import { dockerNetworkKind } from './kind';
import { parseNetworkInspect } from './probe';
import { type NetworkAttrs, networkSchema } from './schema';

const HOST = 'root@192.0.2.10';

describe('docker_network schema', () => {
  it('defaults the driver to bridge and leaves name to the label', () => {
    expect(networkSchema.parse({ host: HOST })).toEqual({ host: HOST, driver: 'bridge' });
  });

  it('rejects unknown attributes and bad names', () => {
    expect(networkSchema.safeParse({ host: HOST, drvier: 'x' }).success).toBe(false);
    expect(networkSchema.safeParse({ host: HOST, name: '-edge' }).success).toBe(false);
  });
});

describe('docker_network commands', () => {
  it('creates idempotently with inspect || create', () => {
    expect(ensureNetworkCommand('stratum-edge', 'bridge')).toBe(
      'docker network inspect stratum-edge >/dev/null 2>&1 || docker network create --driver bridge stratum-edge',
    );
  });

  it('quotes every value', () => {
    expect(ensureNetworkCommand("a b'c", 'x;y')).toBe(
      `docker network inspect 'a b'\\''c' >/dev/null 2>&1 || docker network create --driver 'x;y' 'a b'\\''c'`,
    );
    expect(removeNetworkCommand('edge')).toBe('docker network rm edge');
    expect(inspectNetworkCommand('edge')).toBe(`docker network inspect edge --format '{{json .}}'`);
  });
});

describe('parseNetworkInspect', () => {
  it('reads Name and Driver', () => {
    const out = `${JSON.stringify({ Name: 'edge', Id: 'abc', Driver: 'bridge', Scope: 'local' })}\n`;
    expect(parseNetworkInspect(HOST, out, 0)).toEqual({
      status: 'present',
      attrs: { host: HOST, name: 'edge', driver: 'bridge' },
    });
  });

  it('is absent on both wordings of "no such network"', () => {
    expect(parseNetworkInspect(HOST, '\nError: No such network: edge\n', 1)).toEqual({ status: 'absent' });
    expect(parseNetworkInspect(HOST, 'Error response from daemon: network edge not found\n', 1)).toEqual({
      status: 'absent',
    });
  });

  it('is unknown for other failures and garbage', () => {
    expect(parseNetworkInspect(HOST, 'Cannot connect to the Docker daemon', 1).status).toBe('unknown');
    expect(parseNetworkInspect(HOST, 'sh: docker: not found', 127).status).toBe('unknown');
    expect(parseNetworkInspect(HOST, 'not json', 0).status).toBe('unknown');
    expect(parseNetworkInspect(HOST, '{"Name": 3}', 0).status).toBe('unknown');
    expect(parseNetworkInspect(HOST, '', 0).status).toBe('unknown');
  });
});

describe('dockerNetworkKind', () => {
  const create = (attrs: NetworkAttrs, name = 'edge') =>
    ({ action: 'create', kind: 'docker_network', name, attrs }) as const;

  it('creates under the label when no name is given and records name and driver', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker network', '']]));
    const ctx = createTestContext(transport);
    const { recorded } = await runStep(dockerNetworkKind, create(networkSchema.parse({ host: HOST })), ctx);
    expect(recorded).toEqual({ host: HOST, name: 'edge', driver: 'bridge' });
    expect(ctx.traces()).toEqual([`[docker] NETWORK \`edge\` on ${HOST}`]);
    expect(transport.commands()).toEqual([ensureNetworkCommand('edge', 'bridge')]);
  });

  it('builds the operation without touching the host', async () => {
    const operation = await dockerNetworkKind.create({
      kind: 'docker_network',
      name: 'edge',
      attrs: networkSchema.parse({ host: HOST, name: 'e2' }),
      raw: {},
    });
    expect(operation.host).toBe(HOST);
    expect(operation.commands.map((c) => [c.step, c.command])).toEqual([
      ['docker network create', ensureNetworkCommand('e2', 'bridge')],
    ]);
  });

  it('treats deleting a network that is already gone as done', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker network rm', { exitCode: 1, stderr: 'Error: No such network: edge\n' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      dockerNetworkKind,
      { action: 'delete', kind: 'docker_network', name: 'edge', prior: { host: HOST, name: 'edge' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['docker network rm edge']);
    expect(ctx.traces()).toEqual([`[docker] NETWORK \`edge\` on ${HOST} (delete)`]);
    expect(ctx.warnings()).toEqual([]);
  });

  it('also takes the newer "network N not found" wording as already gone', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [
          'docker network rm',
          { exitCode: 1, stderr: 'Error response from daemon: network edge not found\n' },
        ],
      ]),
    );
    await runStep(
      dockerNetworkKind,
      { action: 'delete', kind: 'docker_network', name: 'edge', prior: { host: HOST, name: 'edge' } },
      createTestContext(transport),
    );
  });

  it('fails a delete docker refuses, with the stderr tail and a hint', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker network rm', { exitCode: 1, stderr: 'error: network edge has active endpoints\n' }],
      ]),
    );
    const error = await runStep(
      dockerNetworkKind,
      { action: 'delete', kind: 'docker_network', name: 'edge', prior: { host: HOST, name: 'edge' } },
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as CommandFailedError).message).toBe(
      `docker_network.edge: docker network rm edge failed on ${HOST} (exit 1):\nerror: network edge has active endpoints`,
    );
    expect((error as CommandFailedError).hint).toMatch(/disconnect or remove the containers/);
  });

  it('refuses to delete an entry whose state records no host', () => {
    expect(() =>
      dockerNetworkKind.delete({ kind: 'docker_network', name: 'edge', prior: { name: 'edge' } }),
    ).toThrow(/docker_network\.edge: the state entry has no host/);
  });

  it('recreates the network when the driver changed', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker network', '']]));
    const attrs = networkSchema.parse({ host: HOST, name: 'edge', driver: 'macvlan' });
    const { recorded } = await runStep(
      dockerNetworkKind,
      {
        action: 'update',
        kind: 'docker_network',
        name: 'edge',
        attrs,
        prior: { host: HOST, name: 'edge', driver: 'bridge' },
      },
      createTestContext(transport),
    );
    expect(transport.commands()).toEqual(['docker network rm edge', ensureNetworkCommand('edge', 'macvlan')]);
    expect(recorded).toEqual({ host: HOST, name: 'edge', driver: 'macvlan' });
  });

  it('fails a driver change while containers are attached, before creating anything', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker network rm', { exitCode: 1, stderr: 'error: network edge has active endpoints\n' }],
      ]),
    );
    const error = await runStep(
      dockerNetworkKind,
      {
        action: 'update',
        kind: 'docker_network',
        name: 'edge',
        attrs: networkSchema.parse({ host: HOST, name: 'edge', driver: 'macvlan' }),
        prior: { host: HOST, name: 'edge', driver: 'bridge' },
      },
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^docker_network\.edge: docker network rm edge failed/);
    expect(transport.commands()).toEqual(['docker network rm edge']);
  });

  it('only ensures the network when nothing that needs a removal changed', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker network', '']]));
    await runStep(
      dockerNetworkKind,
      {
        action: 'update',
        kind: 'docker_network',
        name: 'edge',
        attrs: networkSchema.parse({ host: HOST, name: 'edge' }),
        prior: { host: HOST, name: 'edge', driver: 'bridge' },
      },
      createTestContext(transport),
    );
    expect(transport.commands()).toEqual([ensureNetworkCommand('edge', 'bridge')]);
  });

  it('removes the old network best-effort after a rename or a move, on the old host', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker network inspect', ''],
        ['docker network rm', { exitCode: 1, stderr: 'error: network old has active endpoints\n' }],
      ]),
    );
    const ctx = createTestContext(transport);
    const { recorded } = await runStep(
      dockerNetworkKind,
      {
        action: 'update',
        kind: 'docker_network',
        name: 'edge',
        attrs: networkSchema.parse({ host: HOST, name: 'new' }),
        prior: { host: 'root@old', name: 'old', driver: 'bridge' },
      },
      ctx,
    );
    expect(transport.calls.map((c) => [c.host, c.command])).toEqual([
      [HOST, ensureNetworkCommand('new', 'bridge')],
      ['root@old', 'docker network rm old'],
    ]);
    expect(recorded).toEqual({ host: HOST, name: 'new', driver: 'bridge' });
    expect(ctx.warnings()).toEqual([
      'docker_network.edge: docker network rm old on root@old failed (exit 1); ignored: error: network old has active endpoints',
    ]);
  });

  it('probes by the recorded name on the recorded host', () => {
    const probe = dockerNetworkKind.probe!({
      kind: 'docker_network',
      name: 'edge',
      prior: { host: HOST, name: 'e2' },
    });
    expect(probe.host).toBe(HOST);
    expect(probe.script).toBe(inspectNetworkCommand('e2'));
    expect(probe.parse('Error: No such network: e2', 1)).toEqual({ status: 'absent' });
  });
});

describe('docker_network hooks', () => {
  it('is identified by host and name', () => {
    expect(dockerNetworkKind.identity).toEqual(['host', 'name']);
  });

  it('claims its network name on its host, the label when no name is given', () => {
    const claims = (raw: Record<string, unknown>) =>
      dockerNetworkKind.claims!({ kind: 'docker_network', name: 'edge', attrs: networkSchema.parse(raw) });
    expect(claims({ host: HOST })).toEqual({
      host: HOST,
      claims: [{ type: 'name', space: 'network name', value: 'edge' }],
    });
    expect(claims({ host: HOST, name: 'stratum-edge' })?.claims).toEqual([
      { type: 'name', space: 'network name', value: 'stratum-edge' },
    ]);
  });
});
