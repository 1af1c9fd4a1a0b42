import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KindHandler, Provider } from '../provider';
import { Registry } from '../registry';
import { fileStateBackend } from '../state/backend';
import { recordResources } from '../state/surgery';
import type { DesiredResource } from '../types';
import { importTargets } from './import';

const op = () => ({ host: 'h', commands: [] }) as never;
const base: KindHandler = { schema: z.object({}).passthrough() as never, create: op, update: op, delete: op };
const provider: Provider = {
  name: 'demo',
  kinds: {
    demo_file: { ...base, probe: () => ({ host: 'h', script: 'true', parse: () => ({ status: 'absent' }) }) },
    demo_run: base,
  },
};
const registry = new Registry([provider]);
const desired = (kind: string, name: string): DesiredResource => ({
  addr: { kind, name },
  provider: 'demo',
  attrs: {},
});
const config = [desired('demo_file', 'conf'), desired('demo_run', 'once')];

function refusal(fn: () => unknown): { code?: string; message: string; hint?: string } {
  try {
    fn();
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a refusal');
}

describe('importTargets', () => {
  it('returns the named resources of the config', () => {
    expect(importTargets(config, ['demo_file.conf'], registry, () => false, 'state.json')).toEqual([
      config[0],
    ]);
  });

  it('refuses an address not in the config, with a did-you-mean', () => {
    const error = refusal(() =>
      importTargets(config, ['demo_file.cnf'], registry, () => false, 'state.json'),
    );
    expect(error.code).toBe('ImportNotInConfig');
    expect(error.message).toBe(
      'demo_file.cnf is not in the config: import records a resource the config declares (did you mean demo_file.conf?)',
    );
  });

  it('refuses one already in state, pointing at plan and state rm', () => {
    const error = refusal(() =>
      importTargets(config, ['demo_file.conf'], registry, () => true, 'state.json'),
    );
    expect(error.code).toBe('StateAddressTaken');
    expect(error.message).toBe('demo_file.conf is already in state.json: nothing to import');
    expect(error.hint).toContain('`stratum state rm demo_file.conf` first');
  });

  it('refuses a kind that cannot read, naming it', () => {
    const error = refusal(() =>
      importTargets(config, ['demo_run.once'], registry, () => false, 'state.json'),
    );
    expect(error.code).toBe('ImportCannotRead');
    expect(error.message).toBe(
      'cannot import demo_run.once: the kind demo_run cannot read a resource from its host',
    );
  });
});

describe('recordResources', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a plan-only placeholder as state rm does, recording nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'stratum-import-'));
    const backend = fileStateBackend(join(dir, 'state.json'));
    const entry = {
      addr: { kind: 'demo_file', name: 'conf' },
      provider: 'demo',
      attrs: { content: '<unresolved-secret:token>' },
    };
    await expect(recordResources(backend, [entry])).rejects.toMatchObject({ code: 'StatePlaceholder' });
    expect((await backend.read()).resources).toEqual({});
  });
});
