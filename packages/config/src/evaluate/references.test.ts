// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

const HOSTS = strat(
  'host "prod" {',
  '  addr = "root@192.0.2.10"',
  '  port = 22',
  '  ssh = {',
  '    user = "root"',
  '    addr = "1.2.3.4"',
  '  }',
  '}',
  'secret "s" { from_env = "S" }',
);
const HEADER_LINES = 9;

/** One resource whose `value` attribute is `expr`, after the hosts above; the expr starts at column 11. */
function load(expr: string) {
  return loadStr(`${HOSTS}resource "ssh_exec" "x" {\n  value = ${expr}\n}\n`, {
    env: { S: 'a-long-secret-value' },
    file: 'refs.strat',
  });
}
const resolved = (expr: string) => load(expr).resources.at(-1)?.attrs.value;
const REF_LINE = HEADER_LINES + 2;

describe('host references', () => {
  it('resolves host.<name>.<field>', () => {
    expect(resolved('host.prod.addr')).toBe('root@192.0.2.10');
    expect(resolved('host.prod.port')).toBe(22);
  });

  it('walks nested maps one segment at a time', () => {
    expect(resolved('host.prod.ssh.addr')).toBe('1.2.3.4');
    expect(resolved('host.prod.ssh')).toEqual({ user: 'root', addr: '1.2.3.4' });
  });

  it('resolves inside lists and maps', () => {
    expect(resolved('[host.prod.addr, { p = host.prod.port }]')).toEqual(['root@192.0.2.10', { p: 22 }]);
  });
});

describe('secret references', () => {
  it('resolves secret.<name>.value to the plaintext', () => {
    expect(resolved('secret.s.value')).toBe('a-long-secret-value');
  });
});

describe('reference errors (the spec table)', () => {
  it.each([
    ['host.prod', 'RefTooShort', 'reference `host.prod` too short — expected at least 3 segments'],
    ['secret.s', 'RefTooShort', 'reference `secret.s` too short — expected at least 3 segments'],
    ['host.ghost.addr', 'UnknownHost', 'unknown host `ghost` in reference `host.ghost.addr`'],
    [
      'host.prod.missing',
      'UnknownHostField',
      'host `prod` has no field `missing` in reference `host.prod.missing`',
    ],
    [
      'host.prod.ssh.port',
      'UnknownHostField',
      'host `prod` has no field `ssh.port` in reference `host.prod.ssh.port`',
    ],
    [
      'host.prod.addr.x',
      'UnknownHostField',
      'host `prod` has no field `addr.x` in reference `host.prod.addr.x`',
    ],
    [
      'host.prod.constructor',
      'UnknownHostField',
      'host `prod` has no field `constructor` in reference `host.prod.constructor`',
    ],
    ['secret.ghost.value', 'UnknownSecret', 'unknown secret `ghost` in reference `secret.ghost.value`'],
    [
      'secret.s.fingerprint',
      'UnknownSecretField',
      'reference to secret `s` has unsupported field `fingerprint`',
    ],
    ['secret.s.value.foo', 'UnknownSecretField', 'reference to secret `s` has unsupported field `value.foo`'],
    ['provider.x.y', 'UnknownRefRoot', 'unknown reference root `provider`'],
    ['resource.ssh_exec.x', 'UnknownRefRoot', 'unknown reference root `resource`'],
  ] as const)('%s → %s', (expr, code, message) => {
    expectConfigError(() => load(expr), { code, message, line: REF_LINE, column: 11, file: 'refs.strat' });
  });

  it.each([
    ['host.ghost.addr', 'UnknownHost'],
    ['secret.s.fingerprint', 'UnknownSecretField'],
    ['provider.x.y', 'UnknownRefRoot'],
  ] as const)('points at %s inside a ${...} too', (ref, code) => {
    // `  value = "ab${` puts the reference at column 16.
    expectConfigError(() => load(`"ab\${${ref}}cd"`), { code, line: REF_LINE, column: 16 });
  });

  it('gives a code frame under the reference', () => {
    const err = expectConfigError(() => load('host.ghost.addr'), { code: 'UnknownHost' });
    expect(err.toString()).toBe(
      `refs.strat:${REF_LINE}:11: unknown host \`ghost\` in reference \`host.ghost.addr\``,
    );
    expect(err.frame()).toBe(
      ['   |', `${REF_LINE} |   value = host.ghost.addr`, '   |           ^^^^^^^^^^^^^^^'].join('\n'),
    );
  });

  it('cannot reference providers or resources (no cross-resource references)', () => {
    expectConfigError(
      () =>
        loadStr(
          strat(
            'provider "docker" { x = 1 }',
            'resource "ssh_exec" "a" { command = "true" }',
            'resource "ssh_exec" "b" { command = resource.a.command }',
          ),
        ),
      { code: 'UnknownRefRoot', line: 3, column: 37 },
    );
  });
});
