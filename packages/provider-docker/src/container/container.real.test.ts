import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerHealthError, type JsonObject, pollContainerHealth } from '@stratum/core';
import {
  BUSYBOX_IMAGE,
  docker,
  dockerTier,
  ensureBusyboxImage,
  freePort,
  type LocalRegistry,
  pushImage,
  startLocalRegistry,
} from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, startLoopback } from '../__tests__/loopback';
import { inspect, TestNames } from '../__tests__/names';
import { dockerNetworkKind } from '../network/kind';
import { networkSchema } from '../network/schema';
import { createDockerProvider } from '../provider';
import { DockerError } from '../shared/errors';
import { containerHealthInspector } from './health';
import { dockerContainerKind } from './kind';
import { containerSchema } from './schema';

/**
 * docker_container and docker_network against this machine's docker engine,
 * through the pooled ssh transport to a loopback sshd. Images are built
 * locally (busybox) or pushed to a local registry; nothing is pulled from a hub.
 */

const tier = await dockerTier();
const provider = createDockerProvider();
const names = new TestNames();
let lo: Loopback;
let volumeDir: string;

beforeAll(async () => {
  if (!tier.run) return;
  [lo, , volumeDir] = await Promise.all([
    startLoopback(),
    ensureBusyboxImage(),
    mkdtemp(join(tmpdir(), 'stratum-vol-')),
  ]);
});

afterAll(async () => {
  if (!tier.run) return;
  await names.cleanup();
  await Promise.all([lo?.close(), volumeDir && rm(volumeDir, { recursive: true, force: true })]);
});

function containerRequest(raw: JsonObject, label = 'c') {
  return { kind: 'docker_container', name: label, attrs: containerSchema.parse(raw), raw };
}

describe.skipIf(!tier.run)('docker_network', { timeout: 120_000 }, () => {
  it('creates once; creating again is a no-op; refresh sees no drift; delete removes it', async () => {
    const name = names.network('net');
    const raw = { host: lo.host, name };
    const request = { kind: 'docker_network', name: 'edge', attrs: networkSchema.parse(raw), raw };
    const ctx = lo.ctx();
    const state = await dockerNetworkKind.create(request, ctx);
    expect(state).toEqual({ host: lo.host, name, driver: 'bridge' });
    expect(ctx.traces()).toEqual([`[docker] NETWORK \`${name}\` on ${lo.host}`]);
    const id = (await inspect('--type', 'network', name))?.Id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    await dockerNetworkKind.create(request, lo.ctx());
    expect((await inspect('--type', 'network', name))?.Id).toBe(id);
    expect(await lo.refresh(provider, 'docker_network', 'edge', raw, state)).toMatchObject({
      changes: [],
      missing: false,
    });

    await dockerNetworkKind.delete({ kind: 'docker_network', name: 'edge', prior: state }, lo.ctx());
    expect(await inspect('--type', 'network', name)).toBeUndefined();
    expect(await lo.refresh(provider, 'docker_network', 'edge', raw, state)).toMatchObject({
      changes: [],
      missing: true,
    });
    await dockerNetworkKind.delete({ kind: 'docker_network', name: 'edge', prior: state }, lo.ctx());
  });
});

describe.skipIf(!tier.run)('docker_container', { timeout: 120_000 }, () => {
  const secret = 'not-for-logs-7f3a9c';
  const nasty = `sleep 3600; echo "it's \\"quoted\\"" 'single' $(id -u) \`uname\` $HOME  two  spaces ; rm -rf /nope`;

  it('creates a container with everything asked for, and refresh sees no drift', async () => {
    const [front, back] = [names.network('front'), names.network('back')];
    const ctx = lo.ctx();
    for (const net of [front, back]) {
      await dockerNetworkKind.create(
        {
          kind: 'docker_network',
          name: net,
          attrs: networkSchema.parse({ host: lo.host, name: net }),
          raw: {},
        },
        ctx,
      );
    }
    const name = names.container('full');
    const port = await freePort();
    const raw = {
      host: lo.host,
      name,
      image: BUSYBOX_IMAGE,
      pull: false,
      env: { PLAIN: 'x y', NUM: 5, FLAG: true, SECRET: secret },
      ports: [`127.0.0.1:${port}:8080`],
      volumes: [`${volumeDir}:/data:ro`],
      labels: { 'traefik.enable': 'true', 'stratum.test': 'yes' },
      networks: [front, back],
      memory: '64m',
      memory_swap: '128m',
      command: ['sh', '-c', nasty],
    };
    const state = await dockerContainerKind.create(containerRequest(raw, 'full'), ctx);
    expect(state.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(state).toMatchObject({ ...raw, restart: 'unless-stopped', state: 'running' });
    expect(ctx.lines.map((l) => l.line).join('\n')).not.toContain(secret);
    expect(ctx.traces().at(-1)).toBe(`[docker] CONTAINER \`${name}\` on ${lo.host} (create)`);

    const live = (await inspect(name))!;
    expect(live.Id).toBe(state.container_id);
    expect(live.State.Running).toBe(true);
    expect(live.Config.Cmd).toEqual(['sh', '-c', nasty]);
    expect([live.Path, ...live.Args]).toEqual(['sh', '-c', nasty]);
    expect(live.Config.Env).toEqual(
      expect.arrayContaining(['PLAIN=x y', 'NUM=5', 'FLAG=true', `SECRET=${secret}`]),
    );
    expect(live.Config.Labels).toMatchObject({ 'traefik.enable': 'true', 'stratum.test': 'yes' });
    expect(live.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }],
    });
    expect(live.HostConfig.Binds).toEqual([`${volumeDir}:/data:ro`]);
    expect(live.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(live.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(live.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    expect(Object.keys(live.NetworkSettings.Networks).sort()).toEqual([back, front].sort());

    expect(await lo.refresh(provider, 'docker_container', 'full', raw, state)).toMatchObject({
      changes: [],
      missing: false,
    });
  });

  it('recreates on update (new container id) and shows a stop or removal by hand as drift', async () => {
    const name = names.container('life');
    const raw = {
      host: lo.host,
      name,
      image: BUSYBOX_IMAGE,
      pull: false,
      command: 'sleep 3600',
      env: { V: '1' },
    };
    const first = await dockerContainerKind.create(containerRequest(raw, 'life'), lo.ctx());

    const raw2 = { ...raw, env: { V: '2' } };
    const ctx = lo.ctx();
    const second = await dockerContainerKind.update({ ...containerRequest(raw2, 'life'), prior: first }, ctx);
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`${name}\` on ${lo.host} (recreate)`]);
    expect(second.container_id).not.toBe(first.container_id);
    expect(await inspect(first.container_id as string)).toBeUndefined();
    expect((await inspect(name))?.Config.Env).toContain('V=2');

    await docker(['stop', '-t', '1', name]);
    const stopped = await lo.refresh(provider, 'docker_container', 'life', raw2, second);
    expect(stopped).toMatchObject({
      changes: [{ field: 'state', from: 'running', to: 'exited' }],
      missing: false,
    });

    const third = await dockerContainerKind.update(
      { ...containerRequest(raw2, 'life'), prior: second },
      lo.ctx(),
    );
    expect((await inspect(name))?.State.Running).toBe(true);
    expect(await lo.refresh(provider, 'docker_container', 'life', raw2, third)).toMatchObject({
      changes: [],
      missing: false,
    });

    await docker(['rm', '-f', name]);
    expect(await lo.refresh(provider, 'docker_container', 'life', raw2, third)).toMatchObject({
      changes: [],
      missing: true,
    });
  });

  it('shows a container replaced by hand as container_id drift', async () => {
    const name = names.container('swap');
    const raw = { host: lo.host, name, image: BUSYBOX_IMAGE, pull: false, command: ['sleep', '3600'] };
    const state = await dockerContainerKind.create(containerRequest(raw, 'swap'), lo.ctx());
    await docker(['rm', '-f', name]);
    const replaced = (
      await docker([
        'run',
        '-d',
        '--name',
        name,
        '--restart',
        'unless-stopped',
        BUSYBOX_IMAGE,
        'sleep',
        '3600',
      ])
    ).stdout.trim();
    const drift = await lo.refresh(provider, 'docker_container', 'swap', raw, state);
    expect(drift.changes).toEqual([{ field: 'container_id', from: state.container_id, to: replaced }]);
  });

  it('deletes the container; deleting again is harmless', async () => {
    const name = names.container('gone');
    const raw = { host: lo.host, name, image: BUSYBOX_IMAGE, pull: false, command: ['sleep', '3600'] };
    const state = await dockerContainerKind.create(containerRequest(raw, 'gone'), lo.ctx());
    const ctx = lo.ctx();
    await dockerContainerKind.delete({ kind: 'docker_container', name: 'gone', prior: state }, ctx);
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`${name}\` on ${lo.host} (delete)`]);
    expect(await inspect(name)).toBeUndefined();
    await dockerContainerKind.delete({ kind: 'docker_container', name: 'gone', prior: state }, lo.ctx());
  });

  it('fails a run docker refuses with docker stderr, without the command or env values', async () => {
    const name = names.container('bad');
    const raw = {
      host: lo.host,
      name,
      image: 'stratum-test/no-such-image:1',
      pull: false,
      env: { SECRET: secret },
    };
    const error = await dockerContainerKind
      .create(containerRequest(raw, 'bad'), lo.ctx())
      .catch((e: unknown) => e);
    expect(DockerError.isInstance(error)).toBe(true);
    const message = (error as DockerError).message;
    expect(message).toMatch(
      /^docker_container `bad` on root@127\.0\.0\.1: docker run failed \(exit 125\):\n/,
    );
    expect(message).toMatch(/stratum-test\/no-such-image/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('--restart');
  });
});

describe.skipIf(!tier.run)('docker_container readiness', { timeout: 120_000 }, () => {
  async function startWithHealth(label: string, healthcheck?: JsonObject) {
    const name = names.container(label);
    const raw: JsonObject = {
      host: lo.host,
      name,
      image: BUSYBOX_IMAGE,
      pull: false,
      command: ['sleep', '3600'],
    };
    if (healthcheck !== undefined) raw.healthcheck = healthcheck;
    await dockerContainerKind.create(containerRequest(raw, label), lo.ctx());
    const seen: string[] = [];
    const inspector = containerHealthInspector(lo.transport, lo.host, name);
    const recording = async () => {
      const status = await inspector();
      seen.push(status);
      return status;
    };
    return { name, seen, recording };
  }

  it('waits while the healthcheck is starting and proceeds once healthy', async () => {
    const { seen, recording } = await startWithHealth('healthy', {
      test: 'test -d /proc',
      interval: '2s',
      retries: 2,
      timeout: '2s',
    });
    await pollContainerHealth(recording, { intervalMs: 250, maxPolls: 80 });
    expect(seen[0]).toBe('starting');
    expect(seen.at(-1)).toBe('healthy');
  });

  it('fails the wait when the container turns unhealthy', async () => {
    const { name, recording } = await startWithHealth('sick', {
      test: 'exit 1',
      interval: '1s',
      retries: 1,
      timeout: '1s',
    });
    const error = await pollContainerHealth(recording, {
      intervalMs: 250,
      maxPolls: 80,
      container: name,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerHealthError);
    expect((error as ContainerHealthError).code).toBe('ContainerUnhealthy');
  });

  it('proceeds at once for a container without a healthcheck', async () => {
    const { seen, recording } = await startWithHealth('plain');
    await pollContainerHealth(recording, { intervalMs: 250, maxPolls: 4 });
    expect(seen).toEqual(['']);
  });
});

describe.skipIf(!tier.run)('docker_container pull', { timeout: 120_000 }, () => {
  let registry: LocalRegistry;

  beforeAll(async () => {
    registry = await startLocalRegistry();
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('pulls the image from a registry by default before running it', async () => {
    const ref = `${registry.host}/stratum-test/pull-me:${Date.now()}`;
    names.track(ref);
    await pushImage(BUSYBOX_IMAGE, ref);
    expect(await inspect('--type', 'image', ref)).toBeUndefined();

    const name = names.container('pulled');
    const raw = { host: lo.host, name, image: ref, command: ['sleep', '3600'] };
    const state = await dockerContainerKind.create(containerRequest(raw, 'pulled'), lo.ctx());
    expect(state.pull).toBe(true);
    expect(await inspect('--type', 'image', ref)).toBeDefined();
    expect((await inspect(name))?.Config.Image).toBe(ref);
  });

  it('fails the step when the pull fails, without running a container', async () => {
    const name = names.container('nopull');
    const raw = {
      host: lo.host,
      name,
      image: `${registry.host}/stratum-test/missing:1`,
      command: ['sleep', '3600'],
    };
    await expect(dockerContainerKind.create(containerRequest(raw, 'nopull'), lo.ctx())).rejects.toThrow(
      /docker pull \/ docker run failed \(exit 1\):\n[\s\S]*(not found|manifest unknown)/,
    );
    expect(await inspect(name)).toBeUndefined();
  });
});
