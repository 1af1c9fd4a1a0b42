import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { ensureNetworkCommand, inspectNetworkCommand, removeNetworkCommand } from './commands';
import { dockerNetworkKind } from './kind';
import { parseNetworkInspect } from './probe';
import { networkSchema } from './schema';

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
  it('creates under the label when no name is given and records name and driver', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker network', '']]));
    const ctx = createTestContext(transport);
    const attrs = networkSchema.parse({ host: HOST });
    const state = await dockerNetworkKind.create(
      { kind: 'docker_network', name: 'edge', attrs, raw: { host: HOST } },
      ctx,
    );
    expect(state).toEqual({ host: HOST, name: 'edge', driver: 'bridge' });
    expect(ctx.traces()).toEqual([`[docker] NETWORK \`edge\` on ${HOST}`]);
    expect(transport.commands()).toEqual([ensureNetworkCommand('edge', 'bridge')]);
  });

  it('treats deleting a network that is already gone as done', async () => {
    const transport = createRecordingTransport(
      respondByCommand([['docker network rm', { exitCode: 1, stderr: 'Error: No such network: edge\n' }]]),
    );
    const ctx = createTestContext(transport);
    await dockerNetworkKind.delete(
      { kind: 'docker_network', name: 'edge', prior: { host: HOST, name: 'edge' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['docker network rm edge']);
  });

  it('fails a delete docker refuses, with the stderr tail', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker network rm', { exitCode: 1, stderr: 'error: network edge has active endpoints\n' }],
      ]),
    );
    await expect(
      dockerNetworkKind.delete(
        { kind: 'docker_network', name: 'edge', prior: { host: HOST, name: 'edge' } },
        createTestContext(transport),
      ),
    ).rejects.toThrow(/docker network rm failed \(exit 1\):\nerror: network edge has active endpoints/);
  });

  it('recreates the network when the driver changed', async () => {
    const transport = createRecordingTransport(respondByCommand([['docker network', '']]));
    const attrs = networkSchema.parse({ host: HOST, name: 'edge', driver: 'macvlan' });
    await dockerNetworkKind.update(
      {
        kind: 'docker_network',
        name: 'edge',
        attrs,
        raw: {},
        prior: { host: HOST, name: 'edge', driver: 'bridge' },
      },
      createTestContext(transport),
    );
    expect(transport.commands()).toEqual(['docker network rm edge', ensureNetworkCommand('edge', 'macvlan')]);
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
