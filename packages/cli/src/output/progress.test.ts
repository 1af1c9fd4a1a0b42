import type { PlannedResource } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { type CliIo, memoryIo } from '../io';
import { createProgress } from './progress';

const step = (name: string): PlannedResource => ({
  addr: { kind: 'system_file', name },
  provider: 'system',
  action: 'create',
  desired: {},
  prior: null,
  changes: [],
});

function recordingIo() {
  const err: string[] = [];
  const io: CliIo = memoryIo({ out: () => {}, err: (line) => err.push(line), cwd: '/', env: {} });
  return { io, err };
}

describe('apply progress', () => {
  it('prints one plain line per finished step off a terminal', () => {
    const { io, err } = recordingIo();
    const progress = createProgress(io, { live: false });
    progress.start(step('a'), 'root@h');
    progress.log('[system] FILE `a` -> root@h:/a');
    progress.done(step('a'), 1234);
    progress.failed(step('b'));
    progress.stop();
    expect(err).toEqual([
      '[system] FILE `a` -> root@h:/a',
      '[apply] + system_file.a done in 1.2s',
      '[apply] + system_file.b FAILED',
    ]);
  });

  it('keeps a live status line of running steps on a terminal, with trace lines above it', () => {
    const { io, err } = recordingIo();
    const screen: string[] = [];
    let clock = 0;
    const progress = createProgress(io, {
      live: true,
      now: () => clock,
      write: (text) => screen.push(text),
      columns: 200,
      intervalMs: 60_000,
    });
    progress.start(step('a'), 'root@h');
    clock = 2500;
    progress.start(step('b'), 'root@g');
    expect(screen.at(-1)).toBe('… system_file.a on root@h 2.5s | system_file.b on root@g 0.0s');
    progress.log('[system] FILE `a`');
    progress.done(step('a'), 2600);
    expect(err).toEqual(['[system] FILE `a`', '\u2713 + system_file.a (2.6s)']);
    expect(screen.at(-1)).toBe('… system_file.b on root@g 0.0s');
    progress.stop();
    expect(screen.at(-1)).toBe('\r\u001b[2K');
  });
});
