import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, memoryIo } from '../io';
import { runFmt } from './fmt';

const UNFORMATTED = 'host "a" {\naddr="root@a"\n}\n';

describe('runFmt', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function workspace(): { io: CliIo; out: string[]; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'stratum-fmt-'));
    dirs.push(dir);
    const out: string[] = [];
    return { dir, out, io: memoryIo({ out: (l) => out.push(l), err: () => {}, cwd: dir, env: {} }) };
  }

  it('takes a directory argument as every .strat below it', async () => {
    const { dir, io, out } = workspace();
    mkdirSync(join(dir, 'app', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'app', 'a.strat'), UNFORMATTED);
    writeFileSync(join(dir, 'app', 'nested', 'b.strat'), UNFORMATTED);
    writeFileSync(join(dir, 'app', 'notes.txt'), UNFORMATTED);
    await expect(runFmt({ files: ['app'], check: true }, io)).rejects.toMatchObject({
      code: 'FormatCheckFailed',
      details: ['  app/a.strat', '  app/nested/b.strat'],
    });
    expect(await runFmt({ files: ['app'] }, io)).toBe(0);
    expect(out).toEqual(['app/a.strat', 'app/nested/b.strat']);
    expect(readFileSync(join(dir, 'app', 'a.strat'), 'utf8')).toBe('host "a" {\n  addr = "root@a"\n}\n');
    expect(readFileSync(join(dir, 'app', 'notes.txt'), 'utf8')).toBe(UNFORMATTED);
  });

  it('names a path that does not exist instead of failing with an internal error', async () => {
    const { io } = workspace();
    await expect(runFmt({ files: ['missing.strat'] }, io)).rejects.toMatchObject({
      code: 'BadArguments',
      message: 'cannot format missing.strat: no such file or directory',
    });
  });
});
