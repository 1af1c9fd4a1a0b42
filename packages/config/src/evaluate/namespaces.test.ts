// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

const BASE = '/srv/project';

/** `baseDir: null` loads without a base directory. */
function namespaces(source: string, baseDir: string | null = BASE) {
  return loadStr(source, { baseDir: baseDir ?? undefined, file: 'stratum.strat' }).namespaces;
}

describe('namespace blocks', () => {
  it('collects configs and state, absolute against the manifest directory (the spec example)', () => {
    const out = loadStr(
      strat(
        'host "primary" {',
        '  addr = "root@192.0.2.10"',
        '}',
        'namespace "infra" {',
        '  configs = ["infra.strat"]',
        '}',
        'namespace "app" {',
        '  configs = ["app/web.strat", "app/db.strat"]',
        '  state = "../state/app.json"',
        '}',
      ),
      { baseDir: BASE, file: 'stratum.strat' },
    );
    expect(out.namespaces).toEqual([
      { name: 'infra', configs: ['/srv/project/infra.strat'], file: 'stratum.strat' },
      {
        name: 'app',
        configs: ['/srv/project/app/web.strat', '/srv/project/app/db.strat'],
        state: '/srv/state/app.json',
        file: 'stratum.strat',
      },
    ]);
    expect(out.resources.map((r) => r.addr.name)).toEqual([
      '_stratum_swap_primary',
      '_stratum_sshd_oom_primary',
      '_stratum_sshd_reload_primary',
    ]);
  });

  it('keeps absolute paths and allows an empty configs list', () => {
    expect(
      namespaces(
        'namespace "a" {\n  configs = ["/etc/x.strat"]\n  state = "/var/s.json"\n}\nnamespace "b" { configs = [] }',
      ),
    ).toEqual([
      { name: 'a', configs: ['/etc/x.strat'], state: '/var/s.json', file: 'stratum.strat' },
      { name: 'b', configs: [], file: 'stratum.strat' },
    ]);
  });

  it('keeps a postgres:// state URL as written (a database, not a path)', () => {
    expect(
      namespaces('namespace "a" {\n  configs = []\n  state = "postgresql://ops@db/stratum?state=a"\n}'),
    ).toEqual([
      { name: 'a', configs: [], state: 'postgresql://ops@db/stratum?state=a', file: 'stratum.strat' },
    ]);
  });

  it('resolves against the working directory without a base directory', () => {
    expect(namespaces('namespace "a" { configs = ["x.strat"] }', null)[0]?.configs).toEqual([
      resolve('x.strat'),
    ]);
  });
});

describe('namespace errors (the spec table)', () => {
  it.each([
    [
      'two labels',
      'namespace "a" "b" {\n  configs = []\n}',
      'namespace block needs exactly 1 label, found 2',
      1,
      15,
    ],
    ['no label', 'namespace {\n  configs = []\n}', 'namespace block needs exactly 1 label, found 0', 1, 1],
  ])('BadNamespaceLabels for %s', (_what, source, message, line, column) => {
    expectConfigError(() => namespaces(source), { code: 'BadNamespaceLabels', message, line, column });
  });

  it.each([
    [
      'missing configs',
      'namespace "app" {\n  state = "s.json"\n}',
      'namespace `app`: missing `configs = [...]`',
      1,
      11,
    ],
    [
      'a configs entry that is not a string',
      'namespace "app" {\n  configs = ["a.strat", 3]\n}',
      'namespace `app`: `configs` entry 2 must be a string, found a number',
      2,
      25,
    ],
    [
      'configs that is not a list',
      'namespace "app" {\n  configs = "a.strat"\n}',
      'namespace `app`: `configs` must be a list of strings, found a string',
      2,
      13,
    ],
    [
      'a reference in configs',
      'namespace "app" {\n  configs = [host.primary.file]\n}',
      'namespace `app`: references are not allowed inside namespace blocks (found `host.primary.file`)',
      2,
      14,
    ],
    [
      'a reference inside ${...} in state',
      'namespace "app" {\n  configs = []\n  state = "${secret.s.value}.json"\n}',
      'namespace `app`: references are not allowed inside namespace blocks (found `secret.s.value`)',
      3,
      14,
    ],
    [
      'a state that is not a string',
      'namespace "app" {\n  configs = []\n  state = ["a"]\n}',
      'namespace `app`: `state` must be a string, found a list',
      3,
      11,
    ],
    [
      'an unknown attribute',
      'namespace "app" {\n  configs = []\n  stat = "x"\n}',
      'namespace `app`: unknown attribute `stat`',
      3,
      3,
    ],
    [
      'a nested block',
      'namespace "app" {\n  configs = []\n  extra {\n  }\n}',
      'namespace `app`: nested block `extra` is not allowed',
      3,
      3,
    ],
  ])('BadNamespaceBody for %s', (_what, source, message, line, column) => {
    expectConfigError(() => namespaces(source), { code: 'BadNamespaceBody', message, line, column });
  });

  it('DuplicateNamespace names both places', () => {
    expectConfigError(() => namespaces('namespace "a" { configs = [] }\nnamespace "a" { configs = [] }'), {
      code: 'DuplicateNamespace',
      message: 'duplicate namespace `a`: defined in stratum.strat:1 and stratum.strat:2',
      line: 2,
      column: 11,
    });
  });

  it('DuplicateAttribute for configs set twice', () => {
    expectConfigError(() => namespaces('namespace "a" {\n  configs = []\n  configs = []\n}'), {
      code: 'DuplicateAttribute',
      line: 3,
      column: 3,
    });
  });
});
