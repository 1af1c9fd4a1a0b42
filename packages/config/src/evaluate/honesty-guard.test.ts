// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

const message = (attr: string) =>
  `secret reference not allowed in \`${attr}\` — secrets must be in single-leaf string attrs ` +
  '(e.g. inside `env`), not embedded in file content or path strings';

function load(kind: string, line: string) {
  return loadStr(strat('secret "s" { from_env = "S" }', `resource "${kind}" "x" {`, line, '}'), {
    env: { S: 'secret-value-1234' },
    baseDir: '/',
  });
}

describe('the honesty guard', () => {
  it.each([
    ['system_file', '  content = secret.s.value', 'system_file.content', 13],
    ['system_file', '  content = "prefix ${secret.s.value} suffix"', 'system_file.content', 23],
    ['system_file', '  content_file = secret.s.value', 'system_file.content_file', 18],
    ['system_file', '  content_file = "files/${secret.s.value}"', 'system_file.content_file', 27],
    ['system_dir', '  source_dir = secret.s.value', 'system_dir.source_dir', 16],
    ['system_dir', '  source_dir = "${secret.s.value}"', 'system_dir.source_dir', 19],
    ['system_file', '  content = ["a", { b = secret.s.value }]', 'system_file.content', 25],
    ['system_file', '  content {\n    x = secret.s.value\n  }', 'system_file.content', 9],
  ])('rejects a secret in %s: %s', (kind, line, attr, column) => {
    const err = expectConfigError(() => load(kind, line), {
      code: 'SecretInUnsupportedAttr',
      message: message(attr),
    });
    expect(err.column).toBe(column);
  });

  it('fires before the reference is resolved (an unknown secret is still a guard error)', () => {
    expectConfigError(() => load('system_file', '  content = secret.ghost.value'), {
      code: 'SecretInUnsupportedAttr',
      line: 3,
      column: 13,
    });
  });

  it.each([
    ['system_file', '  env = secret.s.value'],
    ['system_secret_file', '  content = secret.s.value'],
    ['ssh_file', '  content = secret.s.value'],
    ['docker_container', '  env = { P = "x${secret.s.value}" }'],
    ['system_file', '  content = "host ${host.h.addr}"'],
  ])('allows secrets elsewhere: %s %s', (kind, line) => {
    const out = loadStr(
      strat(
        'host "h" { addr = "a" }',
        'secret "s" { from_env = "S" }',
        `resource "${kind}" "x" {`,
        line,
        '}',
      ),
      {
        env: { S: 'secret-value-1234' },
      },
    );
    expect(out.resources.at(-1)?.addr.kind).toBe(kind);
  });
});

describe('system_secret_file (the spec example)', () => {
  it('takes a secret reference as its whole content', () => {
    const out = loadStr(
      strat(
        'host "primary" { addr = "root@192.0.2.10" }',
        'secret "firebase_sa" { from_env = "SA" }',
        'resource "system_secret_file" "firebase-sa" {',
        '  host = host.primary.addr',
        '  path = "/etc/app/firebase-sa.json"',
        '  content = secret.firebase_sa.value',
        '  mode = "0400"',
        '}',
      ),
      { env: { SA: '{"type":"service_account"}' } },
    );
    expect(out.resources.at(-1)?.attrs).toEqual({
      host: 'root@192.0.2.10',
      path: '/etc/app/firebase-sa.json',
      content: '{"type":"service_account"}',
      mode: '0400',
    });
    expect(out.redaction.names()).toEqual(['firebase_sa']);
  });
});
