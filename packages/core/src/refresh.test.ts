import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { priorHost } from './kit/prior';
import { createPlan } from './plan/plan';
import { PROBE_BATCH_COMMAND } from './probe-batch';
import type { KindHandler, Probe } from './provider';
import { refreshPlan } from './refresh';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { createLocalShellTransport } from './test/local-shell-transport';
import { createRecordingTransport, respondByCommand } from './test/recording-transport';
import { createTestContext } from './test/test-context';
import type { Transport } from './transport';
import type { Action, JsonObject, JsonValue, Observed, PlannedResource } from './types';

/** A kind whose probe is `probe <name>` on the resource's host; output `gone` = absent, `?` = unknown, else its value. */
const probed: Partial<KindHandler<JsonObject>> = {
  probe: (request): Probe => ({
    host: priorHost(request),
    script: `probe ${request.name}`,
    parse(output, exitCode): Observed {
      if (exitCode === 3) return { status: 'absent' };
      if (exitCode !== 0) return { status: 'unknown', reason: `probe exited ${exitCode}: ${output.trim()}` };
      if (output === 'boom\n') throw new Error('parser exploded');
      return { status: 'present', attrs: { value: output.trim() } };
    },
  }),
};

const reads: string[] = [];
const readOnly: Partial<KindHandler<JsonObject>> = {
  async read(request, ctx) {
    reads.push(request.name);
    const result = await ctx.transport.exec('reader', `read ${request.name}`);
    return result.exitCode === 3
      ? { status: 'absent' }
      : { status: 'present', attrs: { value: result.stdout } };
  },
};

const registry = new Registry([
  createFakeProvider('demo', {
    demo_probed: probed,
    demo_read: readOnly,
    demo_blind: {},
    demo_both: { ...probed, ...readOnly },
    demo_badprobe: {
      probe: () => {
        throw new Error('cannot build probe');
      },
    },
  }),
]);

function step(
  action: Action,
  kind: string,
  name: string,
  prior: JsonValue,
  desired: JsonValue = null,
): PlannedResource {
  return { addr: { kind, name }, provider: 'demo', action, prior, desired, changes: [] };
}

/** Answers `probe <name>` with canned (stdout, exit code) pairs. */
function probeAnswers(answers: Record<string, [string, number]>) {
  return respondByCommand([
    [
      /^(probe|read) /,
      (call) => {
        const answer = answers[call.command.split(' ')[1]!];
        return answer === undefined ? undefined : { stdout: answer[0], exitCode: answer[1] };
      },
    ],
  ]);
}

describe('refreshPlan', () => {
  it('sends all of a host’s probes as one command and maps what each saw', async () => {
    const transport = createRecordingTransport(
      probeAnswers({
        same: ['v1\n', 0],
        changed: ['v2\n', 0],
        gone: ['', 3],
        odd: ['weird\n', 9],
        boom: ['boom\n', 0],
      }),
    );
    const plan = createPlan([
      step('noop', 'demo_probed', 'same', { host: 'h1', value: 'v1', id: 'x' }),
      step('update', 'demo_probed', 'changed', { host: 'h1', value: 'v1' }),
      step('noop', 'demo_probed', 'gone', { host: 'h1', value: 'v' }),
      step('noop', 'demo_probed', 'odd', { host: 'h1', value: 'v' }),
      step('noop', 'demo_probed', 'boom', { host: 'h1', value: 'v' }),
      step('create', 'demo_probed', 'new', null, { host: 'h1' }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));

    expect(transport.calls).toHaveLength(1);
    const [call] = transport.calls;
    expect(call!.host).toBe('h1');
    expect(call!.command).toBe(PROBE_BATCH_COMMAND);
    expect(call!.options.idempotent).toBe(true);
    expect(call!.probes).toEqual(['probe same', 'probe changed', 'probe gone', 'probe odd', 'probe boom']);

    expect(refreshed.steps.map((s) => s.drift)).toMatchObject([
      { changes: [], missing: false },
      { changes: [{ field: 'value', from: 'v1', to: 'v2' }], missing: false },
      { changes: [], missing: true },
      { changes: [], missing: false, unreadable: 'probe exited 9: weird' },
      { changes: [], missing: false, unreadable: 'read failed: parser exploded' },
      undefined,
    ]);
    // What was seen travels with the drift, so an apply can repair against reality.
    expect(refreshed.steps[1]?.drift?.observed).toMatchObject({ value: 'v2' });
    expect(refreshed.steps[2]?.drift?.observed).toBeUndefined();
    expect(refreshed.summary()).toMatchObject({ drifted: 1, missing: 1, unreadable: 2 });
    expect(refreshed.wasRefreshed()).toBe(true);
    expect(Object.isFrozen(refreshed)).toBe(true);
    expect(plan.wasRefreshed()).toBe(false);
  });

  it('makes one round trip per host, all hosts at once', async () => {
    const recorder = createRecordingTransport(
      probeAnswers({ a: ['1', 0], b: ['1', 0], c: ['1', 0], d: ['1', 0] }),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    const transport: Transport = {
      async exec(host, command, options) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        try {
          return await recorder.exec(host, command, options);
        } finally {
          inFlight--;
        }
      },
    };
    const plan = createPlan([
      step('noop', 'demo_probed', 'a', { host: 'h1' }),
      step('noop', 'demo_probed', 'b', { host: 'h2' }),
      step('noop', 'demo_probed', 'c', { host: 'h1' }),
      step('noop', 'demo_probed', 'd', { host: 'h3' }),
    ]);
    await refreshPlan(plan, registry, createTestContext(transport));
    expect(recorder.calls.map((c) => [c.host, c.probes])).toEqual([
      ['h1', ['probe a', 'probe c']],
      ['h2', ['probe b']],
      ['h3', ['probe d']],
    ]);
    expect(maxInFlight).toBe(3);
  });

  it('marks a delete whose resource is already gone without counting it missing', async () => {
    const transport = createRecordingTransport(probeAnswers({ old: ['', 3] }));
    const plan = createPlan([step('delete', 'demo_probed', 'old', { host: 'h1' })]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(refreshed.steps[0]!.drift).toEqual({ changes: [], missing: true });
    expect(refreshed.summary()).toMatchObject({ delete: 1, missing: 0 });
  });

  it('makes every probe of a host unreadable when its command cannot run', async () => {
    const transport = createRecordingTransport((call) => {
      if (call.host === 'down') throw new Error('connect ECONNREFUSED 127.0.0.1:22');
      return { stdout: 'v', exitCode: 0 };
    });
    const plan = createPlan([
      step('noop', 'demo_probed', 'a', { host: 'down' }),
      step('noop', 'demo_probed', 'b', { host: 'down' }),
      step('noop', 'demo_probed', 'c', { host: 'up', value: 'v' }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(refreshed.steps.map((s) => s.drift?.unreadable)).toEqual([
      'read failed: connect ECONNREFUSED 127.0.0.1:22',
      'read failed: connect ECONNREFUSED 127.0.0.1:22',
      undefined,
    ]);
  });

  it('falls back to read, bounded by readConcurrency, and to unknown without either', async () => {
    reads.length = 0;
    const recorder = createRecordingTransport((call) => ({ stdout: call.command, exitCode: 0 }));
    let inFlight = 0;
    let maxInFlight = 0;
    const transport: Transport = {
      async exec(host, command, options) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return recorder.exec(host, command, options);
      },
    };
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
    const plan = createPlan([
      ...names.map((n) => step('noop', 'demo_read', n, { host: 'h1', value: `read ${n}` })),
      step('noop', 'demo_blind', 'x', { host: 'h1' }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport), { readConcurrency: 3 });
    expect([...reads].sort()).toEqual(names);
    expect(maxInFlight).toBe(3);
    expect(
      refreshed.steps.slice(0, 7).every((s) => s.drift?.changes.length === 0 && !s.drift.unreadable),
    ).toBe(true);
    expect(refreshed.steps[7]!.drift).toEqual({
      changes: [],
      missing: false,
      unreadable: 'provider does not implement read',
    });
  });

  it('reads a resource whose probe cannot be built (no host in state) through read, if the kind has one', async () => {
    reads.length = 0;
    const transport = createRecordingTransport((call) => ({
      stdout: 'v',
      exitCode: call.command.startsWith('read') ? 0 : 1,
    }));
    const plan = createPlan([
      step('noop', 'demo_both', 'hostless', { value: 'v' }),
      step('noop', 'demo_probed', 'hostless2', { value: 'v' }),
      step('noop', 'demo_both', 'hosted', { host: 'h9', value: 'v' }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(reads).toEqual(['hostless']);
    expect(transport.calls.map((c) => [c.host, c.command])).toEqual([
      ['h9', PROBE_BATCH_COMMAND],
      ['reader', 'read hostless'],
    ]);
    expect(refreshed.steps.map((s) => s.drift?.unreadable)).toEqual([
      undefined,
      'read failed: demo_probed.hostless2: the state entry has no host, so the resource cannot be read or deleted',
      'probe exited 1: v',
    ]);
  });

  it('turns unknown kinds and failing probe builders into unreadable steps', async () => {
    const plan = createPlan([
      step('noop', 'ghost_thing', 'a', { host: 'h' }),
      step('noop', 'demo_badprobe', 'b', { host: 'h' }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(createRecordingTransport()));
    expect(refreshed.steps.map((s) => s.drift?.unreadable)).toEqual([
      'read failed: no provider for kind `ghost_thing`: provider `ghost` is not loaded',
      'read failed: cannot build probe',
    ]);
  });

  it('reports probes after one that killed the script, with the script’s exit code and stderr (real shell)', async () => {
    const killer = createFakeProvider('sh', {
      sh_probe: {
        schema: z.strictObject({ host: z.string(), script: z.string() }),
        probe: (request): Probe => ({
          host: 'local',
          script: (request.prior as { script: string }).script,
          parse: (output, exitCode) => ({ status: 'present', attrs: { output, exitCode } }),
        }),
      },
    });
    const plan = createPlan(
      [
        ["printf 'a'", 'one'],
        ['kill -9 $$', 'two'],
        ['echo three', 'three'],
      ].map(([script, name]) => ({
        ...step('noop', 'sh_probe', name!, { host: 'local', script: script! }),
        provider: 'sh',
      })),
    );
    const refreshed = await refreshPlan(
      plan,
      new Registry([killer]),
      createTestContext(createLocalShellTransport()),
    );
    expect(refreshed.steps.map((s) => s.drift)).toMatchObject([
      {
        changes: [
          { field: 'exitCode', from: null, to: 0 },
          { field: 'output', from: null, to: 'a' },
        ],
        missing: false,
      },
      {
        changes: [],
        missing: false,
        // The tail is the first stderr line; dash prints `Killed`, other shells may differ.
        unreadable: expect.stringMatching(
          /^read failed: the probe script on local stopped while this probe ran \(exit code 137(: .+)?\)$/,
        ),
      },
      {
        changes: [],
        missing: false,
        unreadable: expect.stringMatching(
          /^read failed: the probe script on local stopped before this probe ran \(exit code 137(: .+)?\)$/,
        ),
      },
    ]);
  });

  it('reports a script that never started, with the first stderr line', async () => {
    const transport = createRecordingTransport(
      () => ({ stdout: '', stderr: 'sh: 1: sh: not found\n', exitCode: 127 }),
      {
        splitProbeBatches: false,
      },
    );
    const plan = createPlan([step('noop', 'demo_probed', 'a', { host: 'h1' })]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(refreshed.steps[0]!.drift?.unreadable).toBe(
      'read failed: the probe script did not start on h1 (exit code 127: sh: 1: sh: not found)',
    );
  });

  it('rejects when aborted, and only then', async () => {
    const ctx = createTestContext(
      createRecordingTransport(async () => {
        ctx.abort(new Error('interrupted'));
        return { stdout: '', exitCode: 0 };
      }),
    );
    const plan = createPlan([step('noop', 'demo_probed', 'a', { host: 'h1' })]);
    await expect(refreshPlan(plan, registry, ctx)).rejects.toThrow('interrupted');
    await expect(refreshPlan(plan, registry, ctx)).rejects.toThrow('interrupted');
  });

  it('logs one debug line per host batch', async () => {
    const ctx = createTestContext(createRecordingTransport(probeAnswers({ a: ['v', 0] })));
    await refreshPlan(createPlan([step('noop', 'demo_probed', 'a', { host: 'h1' })]), registry, ctx);
    expect(ctx.lines).toEqual([{ level: 'debug', line: '[refresh] h1: 1 probe(s) in one round trip' }]);
  });
});
