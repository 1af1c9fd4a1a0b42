// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import type { LoadOptions } from '../extracted';
import { loadFiles, loadStr } from '../load';

const dir = mkdtempSync(join(tmpdir(), 'stratum-vars-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const DECLS = strat(
  'variable "region" {',
  '  type = "string"',
  '  default = "fra1"',
  '  description = "where the fleet runs"',
  '}',
  'variable "port" { type = "number" }',
);
const USE = strat(
  'resource "ssh_exec" "r" {',
  '  command = "echo ${var.region}:${var.port}"',
  '  port = var.port',
  '}',
);

function attrs(source: string, options: LoadOptions) {
  return loadStr(source, { env: {}, ...options }).resources.at(-1)?.attrs;
}

describe('variable blocks', () => {
  it('reads values in attributes and templates, and exposes the declarations with types', () => {
    const out = loadStr(DECLS + USE, { env: {}, varArgs: ['port=8080'] });
    expect(out.resources[0]?.attrs).toEqual({ command: 'echo fra1:8080', port: 8080 });
    expect(out.variables).toEqual([
      {
        name: 'region',
        type: 'string',
        description: 'where the fleet runs',
        default: 'fra1',
        value: 'fra1',
        origin: 'default',
        file: undefined,
        location: { file: undefined, line: 1, column: 10 },
      },
      {
        name: 'port',
        type: 'number',
        description: undefined,
        default: undefined,
        value: 8080,
        origin: 'cli',
        file: undefined,
        location: { file: undefined, line: 6, column: 10 },
      },
    ]);
  });

  it('takes precedence: variables option > --var > var files (later wins) > environment > default', () => {
    const early = file('early.strat', 'region = "ams3"\nport = 1\n');
    const late = file('late.strat', 'region = "lon1"\n');
    const env = { STRATUM_VAR_region: 'nyc1', STRATUM_VAR_port: '2' };
    const value = (options: LoadOptions) =>
      loadStr(DECLS + USE, { env, ...options }).variables.map((v) => [v.value, v.origin]);
    expect(value({})).toEqual([
      ['nyc1', 'env'],
      [2, 'env'],
    ]);
    expect(value({ varFiles: [early, late] })).toEqual([
      ['lon1', 'var-file'],
      [1, 'var-file'],
    ]);
    expect(value({ varFiles: [early], varArgs: ['region=sfo3', 'region=sgp1'] })).toEqual([
      ['sgp1', 'cli'],
      [1, 'var-file'],
    ]);
    expect(value({ varArgs: ['region=sfo3'], variables: { region: 'blr1', port: 3 } })).toEqual([
      ['blr1', 'option'],
      [3, 'option'],
    ]);
  });

  it('reads raw text by the declared type; an untyped variable takes it as a string', () => {
    const source = strat(
      'variable "n" { type = "number" }',
      'variable "b" { type = "bool" }',
      'variable "l" { type = "list" }',
      'variable "m" { type = "map" }',
      'variable "s" { type = "string" }',
      'variable "u" {}',
      'resource "ssh_exec" "r" {',
      '  all = [var.n, var.b, var.l, var.m, var.s, var.u]',
      '  port = var.m.db.port',
      '}',
    );
    const args = ['n=-1.5', 'b=false', 'l=["a", 2]', 'm={ db = { port = 5432 } }', 's=a=b', 'u=42'];
    expect(attrs(source, { varArgs: args })).toEqual({
      all: [-1.5, false, ['a', 2], { db: { port: 5432 } }, 'a=b', '42'],
      port: 5432,
    });
  });

  it('may stand in host and secret bodies: variables are fixed before any block is read', () => {
    const out = loadStr(
      strat(
        'variable "addr" {}',
        'variable "env_name" { default = "TOKEN" }',
        'host "web" { addr = var.addr }',
        'secret "t" { from_env = var.env_name }',
      ),
      { env: { TOKEN: 'a-long-token' }, varArgs: ['addr=root@192.0.2.7'] },
    );
    expect(out.hosts[0]?.attrs).toEqual({ addr: 'root@192.0.2.7' });
    expect(out.secrets[0]?.source).toEqual({ kind: 'env', name: 'TOKEN' });
  });

  it('are visible across files, as hosts are', () => {
    const a = file('a.strat', 'variable "pkg" { default = "nginx" }\n');
    const b = file('b.strat', 'resource "system_package" "p" {\n  name = var.pkg\n}\n');
    expect(loadFiles([a, b], { env: {} }).resources[0]?.attrs).toEqual({ name: 'nginx' });
  });
});

describe('variable errors', () => {
  it('names every unset required variable at once, each with file:line:col', () => {
    const err = expectConfigError(
      () =>
        loadStr(strat('variable "a" {}', 'variable "b" { default = 1 }', 'variable "c" {}'), {
          env: {},
          file: 'v.strat',
        }),
      { code: 'UnsetVariable', line: 1, column: 10, file: 'v.strat' },
    );
    expect(err.message).toBe(
      '2 required variables have no value:\n  `a` (declared at v.strat:1:10)\n  `c` (declared at v.strat:3:10)',
    );
    expect(err.hint).toContain('STRATUM_VAR_a');
    expect(err.frame()).toContain('^^^');
  });

  it('names a single unset variable', () => {
    expectConfigError(() => loadStr('variable "a" {}\n', { env: {} }), {
      code: 'UnsetVariable',
      message: 'variable `a` is required but has no value (declared at <input>:1:10)',
    });
  });

  it.each([
    [
      'a default of the wrong type',
      'variable "p" {\n  type = "number"\n  default = "80"\n}\n',
      {},
      3,
      3,
      /is of type "number", but its default is a string/,
    ],
    [
      '--var text that is not a number',
      'variable "p" { type = "number" }\n',
      { varArgs: ['p=80x'] },
      1,
      10,
      /the value from --var p \("80x"\) is not a number/,
    ],
    [
      '--var text that is not a bool',
      'variable "p" { type = "bool" }\n',
      { varArgs: ['p=yes'] },
      1,
      10,
      /is not `true` or `false`/,
    ],
    [
      '--var text that is not a list',
      'variable "p" { type = "list" }\n',
      { varArgs: ['p=web1'] },
      1,
      10,
      /is not a \.strat list/,
    ],
    [
      '--var text that is a map, not a list',
      'variable "p" { type = "list" }\n',
      { varArgs: ['p={ a = 1 }'] },
      1,
      10,
      /the value from --var p is a map/,
    ],
    [
      'an environment value of the wrong type',
      'variable "p" { type = "number" }\n',
      { env: { STRATUM_VAR_p: 'x' } },
      1,
      10,
      /from STRATUM_VAR_p/,
    ],
    [
      'an option value of the wrong type',
      'variable "p" { type = "string" }\n',
      { variables: { p: 1 } },
      1,
      10,
      /the value from the `variables` option is a number/,
    ],
  ] as const)('VariableTypeMismatch: %s', (_name, source, options, line, column, message) => {
    expectConfigError(() => loadStr(source, { env: {}, ...options }), {
      code: 'VariableTypeMismatch',
      line,
      column,
      message,
    });
  });

  it('VariableTypeMismatch in a variable file points at the value there', () => {
    const vars = file('bad-type.strat', 'port = "eighty"\n');
    const err = expectConfigError(
      () => loadStr('variable "port" { type = "number" }\n', { env: {}, varFiles: [vars] }),
      { code: 'VariableTypeMismatch', file: vars, line: 1, column: 8 },
    );
    expect(err.frame()).toContain('port = "eighty"');
  });

  it.each([
    [
      'an unknown attribute',
      'variable "v" {\n  default = 1\n  sensitive = true\n}\n',
      3,
      3,
      'variable `v`: unknown attribute `sensitive`',
    ],
    [
      'an unknown type',
      'variable "v" {\n  type = "int"\n}\n',
      2,
      3,
      /`type` must be one of "string", "number", "bool", "list", "map", found "int"/,
    ],
    [
      'a description that is not a string',
      'variable "v" {\n  description = 1\n}\n',
      2,
      3,
      /`description` must be a string/,
    ],
    [
      'a reference',
      'variable "v" {\n  default = var.w\n}\n',
      2,
      13,
      'references not allowed inside `variable` blocks',
    ],
    ['a name that cannot be referenced', 'variable "a.b" {}\n', 1, 10, /cannot be referenced as `var.a.b`/],
  ] as const)('BadVariableBody: %s', (_name, source, line, column, message) => {
    expectConfigError(() => loadStr(source, { env: {} }), { code: 'BadVariableBody', line, column, message });
  });

  it('DuplicateVariable names both places', () => {
    expectConfigError(() => loadStr('variable "v" {}\nvariable "v" {}\n', { env: {} }), {
      code: 'DuplicateVariable',
      message: 'duplicate variable `v`: defined in <input>:1 and <input>:2',
      line: 2,
    });
  });

  it('UnknownVariable points at the reference, also inside ${...}', () => {
    expectConfigError(
      () =>
        loadStr(
          'variable "pkg" { default = "x" }\nresource "ssh_exec" "r" {\n  command = "echo ${var.pgk}"\n}\n',
          { env: {} },
        ),
      {
        code: 'UnknownVariable',
        line: 3,
        column: 21,
        message: 'unknown variable `pgk` in reference `var.pgk`',
      },
    );
  });

  it('UnknownVariableField for a field of a value that has none', () => {
    expectConfigError(
      () =>
        loadStr('variable "m" { default = { a = 1 } }\nresource "ssh_exec" "r" {\n  x = var.m.b\n}\n', {
          env: {},
        }),
      {
        code: 'UnknownVariableField',
        line: 3,
        column: 7,
        message: 'variable `m` has no field `b` in reference `var.m.b`',
      },
    );
  });

  it('UndeclaredVariable for --var, the option and a variable file, but not the environment', () => {
    expectConfigError(() => loadStr('variable "a" { default = 1 }\n', { env: {}, varArgs: ['b=1'] }), {
      code: 'UndeclaredVariable',
      message: '--var b: no `variable` block declares `b`',
    });
    expectConfigError(() => loadStr('', { env: {}, variables: { b: 1 } }), { code: 'UndeclaredVariable' });
    const vars = file('undeclared.strat', '\n  b = 1\n');
    expectConfigError(() => loadStr('', { env: {}, varFiles: [vars] }), {
      code: 'UndeclaredVariable',
      file: vars,
      line: 2,
      column: 3,
    });
    expect(loadStr('', { env: { STRATUM_VAR_b: '1' } }).variables).toEqual([]);
    expect(loadStr('', { env: {}, varArgs: ['b=1'], ignoreUndeclaredVariables: true }).variables).toEqual([]);
  });

  it.each(['b', '=1', '1b=2', 'a.b=1'])('BadVarArg for --var %j', (arg) => {
    expectConfigError(() => loadStr('', { env: {}, varArgs: [arg] }), {
      code: 'BadVarArg',
      message: `--var ${JSON.stringify(arg)} is not \`name=value\``,
    });
  });

  it('VarFileUnreadable for a missing variable file', () => {
    const missing = join(dir, 'missing.strat');
    expectConfigError(() => loadStr('', { env: {}, varFiles: [missing] }), {
      code: 'VarFileUnreadable',
      message: new RegExp(`cannot read variable file \`${missing}\``),
      file: missing,
    });
  });

  it.each([
    ['a block', 'net {\n}\n', 1, 1, /block `net` is not allowed/],
    ['a reference', 'a = host.x.addr\n', 1, 5, 'references not allowed in a variable file'],
  ] as const)('BadVarFile for %s', (_name, text, line, column, message) => {
    const vars = file(`bad-${line}-${column}.strat`, text);
    expectConfigError(() => loadStr('variable "a" {}\n', { env: {}, varFiles: [vars] }), {
      code: 'BadVarFile',
      file: vars,
      line,
      column,
      message,
    });
  });

  it('a syntax error in a variable file is reported in that file', () => {
    const vars = file('syntax.strat', 'a = [1 2]\n');
    expectConfigError(() => loadStr('variable "a" {}\n', { env: {}, varFiles: [vars] }), {
      code: 'ParseError',
      file: vars,
      line: 1,
      column: 8,
    });
  });
});
