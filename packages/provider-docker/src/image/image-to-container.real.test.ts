import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  afterApplyMarker,
  createEngine,
  type DesiredResource,
  type Engine,
  fileStateBackend,
  type JsonObject,
  Registry,
  renderChange,
} from '@stratum/core';
import { BUSYBOX_IMAGE, docker, dockerTier, ensureBusyboxImage } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, startLoopback } from '../__tests__/loopback';
import { inspect, TestNames } from '../__tests__/names';
import { createDockerProvider } from '../provider';

/**
 * A `docker_image` → `docker_container` chain by reference, on this
 * machine's engine through the pooled ssh transport and core's engine: the
 * container runs `image = docker_image.app.image_id`, a value the config does
 * not write (the desired resources below are what `@stratum/config` hands
 * over for it: the marker, and the reference site). The first apply builds,
 * then runs the id the build recorded; a rebuild with new build args plans
 * the container as an update with the id known after apply, and the apply
 * recreates it on the new image.
 */

const tier = await dockerTier();
const names = new TestNames();
let lo: Loopback;
let dir: string;

beforeAll(async () => {
  if (!tier.run) return;
  [lo, , dir] = await Promise.all([
    startLoopback({ pathFirst: '/usr/bin' }),
    ensureBusyboxImage(),
    mkdtemp(join(tmpdir(), 'stratum-chain-')),
  ]);
  await writeFile(
    join(dir, 'Dockerfile'),
    `FROM ${BUSYBOX_IMAGE}\nARG GREETING=hello\nRUN echo "$GREETING" > /greeting\n`,
  );
});

afterAll(async () => {
  if (!tier.run) return;
  await names.cleanup();
  await Promise.all([lo?.close(), dir && rm(dir, { recursive: true, force: true })]);
});

const at = { file: 'main.strat', line: 9, column: 11 };

describe.skipIf(!tier.run)('docker_image -> docker_container by reference', { timeout: 180_000 }, () => {
  it('runs the id the build recorded, and recreates the container when a rebuild makes a new image', async () => {
    const tag = names.image('chain');
    const container = names.container('chain');
    const desired = (greeting: string): DesiredResource[] => [
      {
        addr: { kind: 'docker_image', name: 'app' },
        provider: 'docker',
        attrs: { host: lo.host, tag, context: dir, build_args: { GREETING: greeting } },
      },
      {
        addr: { kind: 'docker_container', name: 'app' },
        provider: 'docker',
        attrs: {
          host: lo.host,
          name: container,
          image: afterApplyMarker('docker_image.app', 'image_id'),
          pull: false,
          command: ['sleep', '3600'],
        },
        source: {
          block: at,
          attrs: {},
          refs: [{ attr: 'image', target: 'docker_image.app', output: 'image_id', location: at }],
        },
      },
    ];
    const engine: Engine = createEngine({
      registry: new Registry([createDockerProvider()]),
      transport: lo.transport,
      state: fileStateBackend(join(dir, 'state.json')),
    });
    const running = async () => {
      const live = await inspect(container);
      const greeting = (await docker(['exec', container, 'cat', '/greeting'])).stdout.trim();
      return { image: live?.Image, greeting };
    };

    const first = await engine.apply(desired('one'));
    expect(first.outcome?.failure).toBeUndefined();
    const builtOne = (await inspect('--type', 'image', tag))?.Id;
    expect(await running()).toEqual({ image: builtOne, greeting: 'one' });
    expect(first.check?.summary()).toMatchObject({ create: 0, update: 0, drifted: 0 });

    // Nothing changed: the id is known from state.
    expect((await engine.plan(desired('one'))).summary()).toMatchObject({ create: 0, update: 0, noop: 2 });

    const plan = await engine.plan(desired('two'));
    const step = plan.steps.find((s) => s.addr.kind === 'docker_container')!;
    expect(step.action).toBe('update');
    expect(step.changes.map(renderChange)).toEqual([`image: "${builtOne}" -> (known after apply)`]);

    const second = await engine.apply(desired('two'));
    expect(second.outcome?.failure).toBeUndefined();
    const builtTwo = (await inspect('--type', 'image', tag))?.Id;
    expect(builtTwo).not.toBe(builtOne);
    expect(await running()).toEqual({ image: builtTwo, greeting: 'two' });
    expect(second.check?.summary()).toMatchObject({ create: 0, update: 0, drifted: 0 });
    const state = (await engine.plan(desired('two'))).steps.map((s) => (s.desired as JsonObject).image);
    expect(state[1]).toBe(builtTwo);
  });
});
