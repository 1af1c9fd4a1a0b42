import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitReady, CommandFailedError, type JsonObject, StratumError, type Transport } from '@stratum/core';
import { runStep, type StepRequest } from '@stratum/core/test';
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
import { type NetworkAttrs, networkSchema } from '../network/schema';
import { createDockerProvider } from '../provider';
import { ContainerHealthError } from './health';
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

function createContainer(raw: JsonObject, label = 'c') {
  return {
    action: 'create',
    kind: 'docker_container',
    name: label,
    attrs: containerSchema.parse(raw),
    raw,
  } as const;
}

function updateContainer(raw: JsonObject, prior: JsonObject, label = 'c') {
  return { ...createContainer(raw, label), action: 'update', prior } as const;
}

/** What a container step recorded in state. */
async function containerStep(
  request: ReturnType<typeof createContainer> | ReturnType<typeof updateContainer>,
  ctx = lo.ctx(),
): Promise<JsonObject> {
  return (await runStep(dockerContainerKind, request, ctx)).recorded!;
}

async function networkStep(request: StepRequest<NetworkAttrs>, ctx = lo.ctx()) {
  return (await runStep(dockerNetworkKind, request, ctx)).recorded;
}

describe.skipIf(!tier.run)('docker_network', { timeout: 120_000 }, () => {
  it('creates once; creating again is a no-op; refresh sees no drift; delete removes it', async () => {
    const name = names.network('net');
    const raw = { host: lo.host, name };
    const request = {
      action: 'create',
      kind: 'docker_network',
      name: 'edge',
      attrs: networkSchema.parse(raw),
      raw,
    } as const;
    const ctx = lo.ctx();
    const state = (await networkStep(request, ctx))!;
    expect(state).toEqual({ host: lo.host, name, driver: 'bridge' });
    expect(ctx.traces()).toEqual([`[docker] NETWORK \`${name}\` on ${lo.host}`]);
    const id = (await inspect('--type', 'network', name))?.Id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    await networkStep(request);
    expect((await inspect('--type', 'network', name))?.Id).toBe(id);
    expect(await lo.refresh(provider, 'docker_network', 'edge', raw, state)).toMatchObject({
      changes: [],
      missing: false,
    });

    const deleting = lo.ctx();
    await networkStep({ action: 'delete', kind: 'docker_network', name: 'edge', prior: state }, deleting);
    expect(deleting.traces()).toEqual([`[docker] NETWORK \`${name}\` on ${lo.host} (delete)`]);
    expect(await inspect('--type', 'network', name)).toBeUndefined();
    expect(await lo.refresh(provider, 'docker_network', 'edge', raw, state)).toMatchObject({
      changes: [],
      missing: true,
    });
    const again = lo.ctx();
    await networkStep({ action: 'delete', kind: 'docker_network', name: 'edge', prior: state }, again);
    expect(again.warnings()).toEqual([]);
  });

  it('renames: creates the new network, then removes the old one', async () => {
    const [before, after] = [names.network('old'), names.network('new')];
    const raw = { host: lo.host, name: before };
    const state = (await networkStep({
      action: 'create',
      kind: 'docker_network',
      name: 'n',
      attrs: networkSchema.parse(raw),
    }))!;
    const raw2 = { host: lo.host, name: after };
    const ctx = lo.ctx();
    const renamed = await networkStep(
      { action: 'update', kind: 'docker_network', name: 'n', attrs: networkSchema.parse(raw2), prior: state },
      ctx,
    );
    expect(renamed).toEqual({ host: lo.host, name: after, driver: 'bridge' });
    expect(ctx.warnings()).toEqual([]);
    expect(await inspect('--type', 'network', before)).toBeUndefined();
    expect(await inspect('--type', 'network', after)).toBeDefined();
  });
});

describe.skipIf(!tier.run)('docker_container', { timeout: 120_000 }, () => {
  const secret = 'not-for-logs-7f3a9c';
  const nasty = `sleep 3600; echo "it's \\"quoted\\"" 'single' $(id -u) \`uname\` $HOME  two  spaces ; rm -rf /nope`;

  it('creates a container with everything asked for, and refresh sees no drift', async () => {
    const [front, back] = [names.network('front'), names.network('back')];
    const ctx = lo.ctx();
    for (const net of [front, back]) {
      await networkStep(
        {
          action: 'create',
          kind: 'docker_network',
          name: net,
          attrs: networkSchema.parse({ host: lo.host, name: net }),
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
    const state = await containerStep(createContainer(raw, 'full'), ctx);
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
    const first = await containerStep(createContainer(raw, 'life'));

    const raw2 = { ...raw, env: { V: '2' } };
    const ctx = lo.ctx();
    const second = await containerStep(updateContainer(raw2, first, 'life'), ctx);
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

    const third = await containerStep(updateContainer(raw2, second, 'life'));
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

  it('reads a removed container as missing even when its name is also the prefix of an image ID', async () => {
    // `docker inspect db` finds an image whose ID starts with `db` when no container is called that;
    // the probe asks for a container only. The name here is such a prefix, so the case always arises.
    const imageId = (await docker(['image', 'inspect', '--format', '{{.Id}}', BUSYBOX_IMAGE])).stdout.trim();
    const name = imageId.replace(/^sha256:/, '').slice(0, 8);
    expect((await docker(['inspect', name], { check: false })).code).toBe(0); // the trap is there
    const raw = { host: lo.host, name, image: BUSYBOX_IMAGE, pull: false, command: ['sleep', '3600'] };
    try {
      const state = await containerStep(createContainer(raw, 'prefix'));
      await docker(['rm', '-f', name]);
      expect(await lo.refresh(provider, 'docker_container', 'prefix', raw, state)).toMatchObject({
        missing: true,
      });
    } finally {
      await docker(['rm', '-f', name], { check: false });
    }
  });

  it('shows a container replaced by hand as container_id drift', async () => {
    const name = names.container('swap');
    const raw = { host: lo.host, name, image: BUSYBOX_IMAGE, pull: false, command: ['sleep', '3600'] };
    const state = await containerStep(createContainer(raw, 'swap'));
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
    const state = await containerStep(createContainer(raw, 'gone'));
    const remove = { action: 'delete', kind: 'docker_container', name: 'gone', prior: state } as const;
    const ctx = lo.ctx();
    await runStep(dockerContainerKind, remove, ctx);
    expect(ctx.traces()).toEqual([`[docker] CONTAINER \`${name}\` on ${lo.host} (delete)`]);
    expect(await inspect(name)).toBeUndefined();
    const again = lo.ctx();
    await runStep(dockerContainerKind, remove, again);
    expect(again.warnings()).toEqual([]);
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
    const error = await containerStep(createContainer(raw, 'bad')).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    const message = (error as CommandFailedError).message;
    expect(message).toMatch(/^docker_container\.bad: docker run failed on root@127\.0\.0\.1 \(exit 125\):\n/);
    expect(message).toMatch(/stratum-test\/no-such-image/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('--restart');
  });
});

describe.skipIf(!tier.run)('docker_container readiness', { timeout: 120_000 }, () => {
  /** `transport`, keeping the health status each poll read. */
  function watching(transport: Transport, seen: string[]): Transport {
    return {
      async exec(host, command, options) {
        const result = await transport.exec(host, command, options);
        seen.push(result.exitCode === 0 ? result.stdout.trim() : `exit ${result.exitCode}`);
        return result;
      },
    };
  }

  /** Creates the container; `wait` then waits as apply does: the kind's `ready` through core's `awaitReady`. */
  async function createForReadiness(label: string, healthcheck?: JsonObject) {
    const name = names.container(label);
    const raw: JsonObject = {
      host: lo.host,
      name,
      image: BUSYBOX_IMAGE,
      pull: false,
      command: ['sleep', '3600'],
    };
    if (healthcheck !== undefined) raw.healthcheck = healthcheck;
    const request = createContainer(raw, label);
    const recorded = await containerStep(request);
    const readiness = dockerContainerKind.ready!({ ...request, recorded })!;
    const seen: string[] = [];
    const sleeps: number[] = [];
    const wait = () =>
      awaitReady(readiness, {
        transport: watching(lo.transport, seen),
        signal: new AbortController().signal,
        sleep: async (ms) => {
          sleeps.push(ms);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
    return { name, readiness, seen, sleeps, wait };
  }

  it('waits while the healthcheck is starting and proceeds once healthy', async () => {
    const { readiness, seen, wait } = await createForReadiness('healthy', {
      test: 'test -d /proc',
      interval: '2s',
      retries: 2,
      timeout: '2s',
    });
    await wait();
    expect(readiness.type).toBe('poll');
    expect(seen[0]).toBe('starting');
    expect(seen.at(-1)).toBe('healthy');
  });

  it('fails the wait when the container turns unhealthy', async () => {
    const { name, wait } = await createForReadiness('sick', {
      test: 'exit 1',
      interval: '1s',
      retries: 1,
      timeout: '1s',
    });
    const error = await wait().catch((e: unknown) => e);
    expect(ContainerHealthError.isInstance(error)).toBe(true);
    expect(StratumError.hasCode(error, 'ContainerUnhealthy')).toBe(true);
    expect((error as ContainerHealthError).message).toMatch(
      new RegExp(`^container \`${name}\` reported \`unhealthy\` after \\d+ health checks?$`),
    );
  });

  it('fails the wait when the container is gone, naming it', async () => {
    const { name, seen, wait } = await createForReadiness('vanish', { test: 'true', interval: '30s' });
    await docker(['rm', '-f', name]);
    const error = await wait().catch((e: unknown) => e);
    expect(seen).toEqual(['exit 1']);
    expect(StratumError.hasCode(error, 'ContainerHealthUnreadable')).toBe(true);
    expect((error as Error).message).toContain(`container \`${name}\``);
  });

  it('only pauses for a container without a healthcheck', async () => {
    const { readiness, seen, sleeps, wait } = await createForReadiness('plain');
    await wait();
    expect(readiness).toEqual({ type: 'pause', ms: 500 });
    expect(seen).toEqual([]);
    expect(sleeps).toEqual([500]);
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
    const state = await containerStep(createContainer(raw, 'pulled'));
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
    await expect(containerStep(createContainer(raw, 'nopull'))).rejects.toThrow(
      /docker pull \/ docker run failed on root@127\.0\.0\.1 \(exit 1\):\n[\s\S]*(not found|manifest unknown)/,
    );
    expect(await inspect(name)).toBeUndefined();
  });
});
