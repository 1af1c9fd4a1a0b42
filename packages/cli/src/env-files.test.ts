import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFiles, parseEnvFile } from './env-files';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-env-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('parseEnvFile', () => {
  it('reads the usual shapes', () => {
    const vars = parseEnvFile(
      [
        '# comment',
        '',
        'PG_PASSWORD=correcthorsebatterystaple',
        'export GH_PAT=ghp_abc',
        "SINGLE='a #b $c'",
        'DOUBLE="line1\\nline2 \\"q\\""',
        'TRAILING=value # note',
        'EMPTY=',
      ].join('\n'),
      '.env',
    );
    expect(vars).toEqual({
      PG_PASSWORD: 'correcthorsebatterystaple',
      GH_PAT: 'ghp_abc',
      SINGLE: 'a #b $c',
      DOUBLE: 'line1\nline2 "q"',
      TRAILING: 'value',
      EMPTY: '',
    });
  });

  it('names file and line of a bad line without echoing it', () => {
    expect(() => parseEnvFile('OK=1\nthis is not a pair hunter2secret\n', 'prod.env')).toThrow(
      /^prod\.env:2: expected KEY=value$/,
    );
    expect(() => parseEnvFile('A="open', 'x.env')).toThrow('x.env:1: unterminated " quote');
  });
});

describe('loadEnvFiles', () => {
  it('auto-loads ./.env only when no --env-file is given, silently when missing', () => {
    const dir = dirWith({ '.env': 'A=from-dotenv\n', 'other.env': 'B=from-other\n' });
    expect(loadEnvFiles(undefined, { cwd: dir, processEnv: {} })).toEqual({
      env: { A: 'from-dotenv' },
      loaded: ['.env'],
    });
    expect(loadEnvFiles(['other.env'], { cwd: dir, processEnv: {} })).toEqual({
      env: { B: 'from-other' },
      loaded: ['other.env'],
    });
    expect(loadEnvFiles(undefined, { cwd: dirWith({}), processEnv: {} }).loaded).toEqual([]);
  });

  it('lets the process env win and the first file win among files', () => {
    const dir = dirWith({ 'a.env': 'X=a\nY=a\n', 'b.env': 'X=b\nZ=b\n' });
    const { env } = loadEnvFiles(['a.env', 'b.env'], { cwd: dir, processEnv: { Y: 'process' } });
    expect(env).toMatchObject({ X: 'a', Y: 'process', Z: 'b' });
  });

  it('refuses a named env file that does not exist', () => {
    expect(() => loadEnvFiles(['nope.env'], { cwd: dirWith({}), processEnv: {} })).toThrow(
      'env file nope.env does not exist',
    );
  });
});
