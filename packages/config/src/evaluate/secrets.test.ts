// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import type { LoadOptions } from '../extracted';
import { loadStr } from '../load';
import { trimOneLineEnding } from './secrets';

const dir = mkdtempSync(join(tmpdir(), 'stratum-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Loads `secretBody` as secret "s" plus a resource that references it; returns the referenced value. */
function resolve(secretBody: string, options: LoadOptions = {}) {
  const out = loadStr(
    strat(`secret "s" {`, secretBody, '}', 'resource "ssh_exec" "x" {', '  command = secret.s.value', '}'),
    { env: {}, ...options },
  );
  return { out, value: out.resources[0]?.attrs.command };
}

describe('secret sources', () => {
  it('resolves from_env and hands the plaintext to the resource (the spec example)', () => {
    const out = loadStr(
      strat(
        'host "primary" { addr = "root@192.0.2.10" }',
        'secret "pg_password" {',
        '  from_env = "PG_PASSWORD"',
        '}',
        'resource "docker_container" "db" {',
        '  host = host.primary.addr',
        '  image = "postgres:16-alpine"',
        '  env = {',
        '    POSTGRES_PASSWORD = secret.pg_password.value',
        '  }',
        '}',
      ),
      { env: { PG_PASSWORD: 'CORRECTHORSEBATTERY' }, file: 'app.strat' },
    );
    expect(out.resources.at(-1)?.attrs.env).toEqual({ POSTGRES_PASSWORD: 'CORRECTHORSEBATTERY' });
    expect(out.secrets).toEqual([
      {
        name: 'pg_password',
        source: { kind: 'env', name: 'PG_PASSWORD' },
        sensitive: true,
        resolved: true,
        file: 'app.strat',
      },
    ]);
    expect(JSON.stringify(out.secrets)).not.toContain('CORRECTHORSEBATTERY');
    expect(out.redaction.secrets()).toEqual([
      expect.objectContaining({ name: 'pg_password', plaintext: 'CORRECTHORSEBATTERY' }),
    ]);
    expect(out.warnings).toEqual([]);
  });

  it('reads an empty env var as an empty value', () => {
    expect(resolve('from_env = "E"', { env: { E: '' } }).value).toBe('');
  });

  it('reads from_file relative to the base directory', () => {
    secretFile('token', 'file-secret-value\n');
    const { out, value } = resolve('from_file = "token"', { baseDir: dir });
    expect(value).toBe('file-secret-value');
    expect(out.secrets[0]?.source).toEqual({ kind: 'file', path: join(dir, 'token') });
  });

  it('reads an absolute from_file without a base directory', () => {
    const path = secretFile('abs', 'absolute-secret');
    expect(resolve(`from_file = "${path}"`).value).toBe('absolute-secret');
  });

  it('expands ~/ to homeDir, then HOME, then USERPROFILE', () => {
    mkdirSync(join(dir, 'home'), { recursive: true });
    secretFile('home/key', 'home-secret-value');
    expect(
      resolve('from_file = "~/key"', { homeDir: join(dir, 'home'), env: { HOME: '/nowhere' } }).value,
    ).toBe('home-secret-value');
    expect(resolve('from_file = "~/key"', { env: { HOME: join(dir, 'home') } }).value).toBe(
      'home-secret-value',
    );
    expect(resolve('from_file = "~/key"', { env: { USERPROFILE: join(dir, 'home') } }).value).toBe(
      'home-secret-value',
    );
    expect(resolve('from_file = "~/key"', { env: { HOME: '', USERPROFILE: join(dir, 'home') } }).value).toBe(
      'home-secret-value',
    );
  });

  it('treats `~` alone as the home directory itself', () => {
    const { out } = resolve('from_file = "~"', { homeDir: dir, allowUnresolvedSecrets: true });
    expect(out.secrets[0]?.source).toEqual({ kind: 'file', path: dir });
  });

  it.each([
    ['value\n', 'value'],
    ['value\r', 'value'],
    ['value\r\n', 'value'],
    ['value\n\n', 'value\n'],
    ['value\r\n\r\n', 'value\r\n'],
    ['value', 'value'],
    ['\n', ''],
  ])('trims one trailing line ending from %j', (content, expected) => {
    expect(trimOneLineEnding(content)).toBe(expected);
    const path = secretFile('trim', content);
    expect(resolve(`from_file = "${path}"`).value).toBe(expected);
  });

  it('keeps a file secret byte-exact otherwise (leading space, BOM, inner newlines)', () => {
    const path = secretFile('exact', '\uFEFF a\nb ');
    expect(resolve(`from_file = "${path}"`).value).toBe('\uFEFF a\nb ');
  });
});

describe('secret errors (the spec table)', () => {
  it.each([
    [
      'neither source',
      '  sensitive = true',
      'secret `s`: needs exactly one of `from_env` or `from_file`, found neither',
      1,
      1,
    ],
    [
      'both sources',
      '  from_env = "A"\n  from_file = "b"',
      'secret `s`: needs exactly one of `from_env` or `from_file`, found both',
      3,
      3,
    ],
    ['an unknown attribute', '  from_evn = "A"', 'secret `s`: unknown attribute `from_evn`', 2, 3],
    [
      'a non-string from_env',
      '  from_env = 3',
      'secret `s`: `from_env` must be a string, found a number',
      2,
      3,
    ],
    [
      'a non-bool sensitive',
      '  from_env = "A"\n  sensitive = "no"',
      'secret `s`: `sensitive` must be true or false, found a string',
      3,
      3,
    ],
  ])('BadSecretBody for %s', (_what, body, message, line, column) => {
    expectConfigError(() => resolve(body, { env: { A: 'x' } }), {
      code: 'BadSecretBody',
      message,
      line,
      column,
    });
  });

  it('SecretEnvMissing when the variable is unset', () => {
    expectConfigError(() => resolve('  from_env = "PG_PASSWORD"'), {
      code: 'SecretEnvMissing',
      message: 'secret `s`: environment variable `PG_PASSWORD` is not set',
      line: 2,
      column: 3,
    });
  });

  it('SecretFileMissing when the file does not exist, is a directory, or is not UTF-8', () => {
    expectConfigError(() => resolve(`  from_file = "${join(dir, 'nope')}"`), {
      code: 'SecretFileMissing',
      message: `secret \`s\`: cannot read \`from_file\` \`${join(dir, 'nope')}\`: no such file or directory`,
      line: 2,
      column: 3,
    });
    expectConfigError(() => resolve(`  from_file = "${dir}"`), {
      code: 'SecretFileMissing',
      message: `secret \`s\`: cannot read \`from_file\` \`${dir}\`: it is a directory`,
    });
    const binary = secretFile('binary', new Uint8Array([0x61, 0xff, 0xfe, 0x62]));
    expectConfigError(() => resolve(`  from_file = "${binary}"`), {
      code: 'SecretFileMissing',
      message: `secret \`s\`: cannot read \`from_file\` \`${binary}\`: not valid UTF-8`,
    });
  });

  it('SecretFileNoBaseDir for a relative from_file in loadStr without baseDir', () => {
    expectConfigError(() => resolve('  from_file = "token"'), {
      code: 'SecretFileNoBaseDir',
      message: 'secret `s`: relative `from_file` path `token` needs a base directory',
      line: 2,
      column: 3,
    });
  });

  it('SecretTildeNoHome when neither HOME nor USERPROFILE is set', () => {
    expectConfigError(() => resolve('  from_file = "~/.secrets/pg"', { env: {} }), {
      code: 'SecretTildeNoHome',
      message: 'secret `s`: cannot expand `~` in `~/.secrets/pg`: neither HOME nor USERPROFILE is set',
      line: 2,
      column: 3,
    });
  });

  it.each([
    ['a bare reference', '  from_env = host.h.addr', 14],
    ['a reference to another secret', '  from_env = secret.t.value', 14],
    ['a reference inside ${...}', '  from_file = "/run/${host.h.addr}"', 23],
  ])('RefInSecretBlock for %s', (_what, body, column) => {
    expectConfigError(() => resolve(body), {
      code: 'RefInSecretBlock',
      message: 'references not allowed inside `secret` blocks',
      line: 2,
      column,
    });
  });

  it('DuplicateSecret', () => {
    expectConfigError(
      () =>
        loadStr(strat('secret "pg" { from_env = "A" }', 'secret "pg" { from_env = "B" }'), {
          env: { A: 'x', B: 'y' },
        }),
      {
        code: 'DuplicateSecret',
        message: 'duplicate secret `pg`: defined in <input>:1 and <input>:2',
        line: 2,
        column: 8,
      },
    );
  });

  it('BadBlockLabels for a secret without its name', () => {
    expectConfigError(() => loadStr('secret { from_env = "A" }'), {
      code: 'BadBlockLabels',
      message: 'secret block needs exactly 1 label, found 0',
      line: 1,
      column: 1,
    });
  });
});

describe('redaction map and warnings', () => {
  it('adds sensitive values of 8+ characters', () => {
    const { out } = resolve('from_env = "A"', { env: { A: '12345678' } });
    expect(out.redaction.names()).toEqual(['s']);
    expect(out.warnings).toEqual([]);
  });

  it.each([
    ['a 7-character value', '1234567'],
    ['an empty value', ''],
    ['7 non-ASCII characters (14 bytes)', 'ééééééé'],
  ])('warns about %s and leaves it out', (_what, value) => {
    const { out, value: used } = resolve('from_env = "A"', { env: { A: value } });
    expect(used).toBe(value);
    expect(out.redaction.size).toBe(0);
    expect(out.warnings).toEqual([
      '[secrets] warning: secret `s` resolved value is <8 chars; CLI/state will not redact it',
    ]);
  });

  it('leaves out `sensitive = false` values without a warning', () => {
    const { out, value } = resolve('from_env = "A"\nsensitive = false', { env: { A: 'shown-in-the-clear' } });
    expect(value).toBe('shown-in-the-clear');
    expect(out.secrets[0]?.sensitive).toBe(false);
    expect(out.redaction.size).toBe(0);
    expect(out.warnings).toEqual([]);
  });

  it('warns when two secrets resolve to the same value', () => {
    const out = loadStr(
      strat(
        'secret "a" { from_env = "X" }',
        'secret "b" { from_env = "Y" }',
        'secret "c" { from_env = "Y" }',
      ),
      { env: { X: 'same-value-123', Y: 'same-value-123' } },
    );
    expect(out.warnings).toEqual([
      '[secrets] warning: secrets `a` and `b` resolved to the same value — redaction marker may be ambiguous',
      '[secrets] warning: secrets `a` and `c` resolved to the same value — redaction marker may be ambiguous',
    ]);
    expect(out.redaction.names()).toEqual(['a', 'b', 'c']);
  });
});

describe('allowUnresolvedSecrets', () => {
  it('turns a missing env var or file into the placeholder, kept out of redaction', () => {
    const out = loadStr(
      strat(
        'secret "pg_password" { from_env = "PG_PASSWORD" }',
        `secret "key" { from_file = "${join(dir, 'missing')}" }`,
        'resource "docker_container" "db" {',
        '  env = {',
        '    P = secret.pg_password.value',
        '    K = "k=${secret.key.value}"',
        '  }',
        '}',
      ),
      { env: {}, allowUnresolvedSecrets: true },
    );
    expect(out.resources[0]?.attrs.env).toEqual({
      P: '<unresolved-secret:pg_password>',
      K: 'k=<unresolved-secret:key>',
    });
    expect(out.secrets.map((s) => s.resolved)).toEqual([false, false]);
    expect(out.redaction.size).toBe(0);
    expect(out.warnings).toEqual([]);
  });

  it('still resolves the secrets that are there', () => {
    const { out, value } = resolve('from_env = "A"', {
      env: { A: 'present-value' },
      allowUnresolvedSecrets: true,
    });
    expect(value).toBe('present-value');
    expect(out.secrets[0]?.resolved).toBe(true);
    expect(out.redaction.names()).toEqual(['s']);
  });

  it('does not excuse a relative path without a base directory', () => {
    expectConfigError(() => resolve('from_file = "token"', { allowUnresolvedSecrets: true }), {
      code: 'SecretFileNoBaseDir',
    });
  });
});

describe('plaintext never leaks', () => {
  const PLAINTEXT = 'hunter2-but-longer';
  const env = { S: PLAINTEXT };
  const cases: [string, string][] = [
    [
      'non-scalar interpolation',
      'host "h" { t = [1] }\nresource "ssh_exec" "x" {\n  a = secret.s.value\n  b = "${host.h.t}"\n}',
    ],
    ['unknown field', 'resource "ssh_exec" "x" {\n  a = secret.s.value\n  b = secret.s.plaintext\n}'],
    ['duplicate attribute', 'resource "ssh_exec" "x" {\n  a = secret.s.value\n  a = secret.s.value\n}'],
  ];
  it.each(cases)('not in the %s error', (_what, rest) => {
    let caught: unknown;
    try {
      loadStr(`secret "s" { from_env = "S" }\n${rest}\n`, { env });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    const err = caught as Error & { hint?: string; frame?: () => string };
    for (const text of [err.message, err.hint ?? '', err.frame?.() ?? '', String(err), JSON.stringify(err)]) {
      expect(text).not.toContain(PLAINTEXT);
    }
  });
});
