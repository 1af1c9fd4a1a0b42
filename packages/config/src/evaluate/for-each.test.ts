// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { addrKey, parseInstanceName } from '@stratum/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

const FLEET = strat(
  'host "web1" {',
  '  addr = "root@192.0.2.1"',
  '  tuning = false',
  '}',
  'host "web2" {',
  '  addr = "deploy@192.0.2.2"',
  '  port = 2222',
  '  tuning = false',
  '}',
  'group "web" {',
  '  hosts = [host.web1, host.web2]',
  '  description = "the web tier"',
  '}',
);

function declared(source: string, options = {}) {
  return loadStr(source, { env: {}, ...options }).resources.map((r) => [addrKey(r.addr), r.attrs]);
}

describe('for_each over a group', () => {
  it('makes one instance per host, keyed by host name; each.value is the addr, each.value.<field> a host field', () => {
    const source =
      FLEET +
      strat(
        'resource "system_package" "nginx" {',
        '  for_each = group.web',
        '  host = each.value',
        '  note = "${each.key} at ${each.value.addr}:${each.value.port}"',
        '}',
      );
    const out = loadStr(source.replace(':${each.value.port}', ''), { env: {} });
    expect(out.groups).toEqual([
      {
        name: 'web',
        hosts: ['web1', 'web2'],
        description: 'the web tier',
        file: undefined,
        location: { file: undefined, line: 10, column: 1 },
      },
    ]);
    expect(out.resources.map((r) => [addrKey(r.addr), r.attrs])).toEqual([
      ['system_package.nginx["web1"]', { host: 'root@192.0.2.1', note: 'web1 at root@192.0.2.1' }],
      ['system_package.nginx["web2"]', { host: 'deploy@192.0.2.2', note: 'web2 at deploy@192.0.2.2' }],
    ]);
    expect(out.resources[0]?.source?.attrs).toEqual({
      host: { file: undefined, line: 16, column: 3 },
      note: { file: undefined, line: 17, column: 3 },
    });
    expectConfigError(() => loadStr(source, { env: {} }), {
      code: 'UnknownEachField',
      line: 17,
      message: 'host `web1` has no field `port` in reference `each.value.port`',
    });
  });

  it('adding a host adds only its instances; the others keep their addresses and attributes', () => {
    const resource = strat(
      'resource "ssh_exec" "hello" {',
      '  for_each = group.web',
      '  host = each.value',
      '  command = "true"',
      '}',
    );
    const before = declared(FLEET + resource);
    const grown = FLEET.replace(
      'host "web2"',
      'host "web3" {\n  addr = "root@192.0.2.3"\n  tuning = false\n}\nhost "web2"',
    ).replace('[host.web1, host.web2]', '[host.web1, host.web2, host.web3]');
    const after = declared(grown + resource);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after.slice(2)).toEqual([['ssh_exec.hello["web3"]', { host: 'root@192.0.2.3', command: 'true' }]]);
  });

  it('an empty group makes no instances', () => {
    expect(
      declared(
        strat('group "none" { hosts = [] }', 'resource "ssh_exec" "x" {', '  for_each = group.none', '}'),
      ),
    ).toEqual([]);
  });
});

describe('for_each over a list or a map', () => {
  it('a list of strings: key and value are the string, in list order', () => {
    expect(
      declared(
        strat(
          'resource "system_package" "p" {',
          '  for_each = ["curl", "git"]',
          '  name = each.value',
          '  tag = each.key',
          '}',
        ),
      ),
    ).toEqual([
      ['system_package.p["curl"]', { name: 'curl', tag: 'curl' }],
      ['system_package.p["git"]', { name: 'git', tag: 'git' }],
    ]);
  });

  it('a map: key is the map key, value the entry; fields of a map value are reachable', () => {
    expect(
      declared(
        strat(
          'resource "system_file" "site" {',
          '  for_each = {',
          '    "a.example" = { port = 80 }',
          '    "b\\"quoted" = { port = 81 }',
          '  }',
          '  path = "/etc/sites/${each.key}"',
          '  port = each.value.port',
          '}',
        ),
      ),
    ).toEqual([
      ['system_file.site["a.example"]', { path: '/etc/sites/a.example', port: 80 }],
      ['system_file.site["b\\"quoted"]', { path: '/etc/sites/b"quoted', port: 81 }],
    ]);
  });

  it('from a variable, given on the command line', () => {
    const source = strat(
      'variable "packages" { type = "list" }',
      'resource "system_package" "p" {',
      '  for_each = var.packages',
      '  name = each.value',
      '}',
    );
    expect(declared(source, { varArgs: ['packages=["htop"]'] })).toEqual([
      ['system_package.p["htop"]', { name: 'htop' }],
    ]);
  });

  it('any key gives an address whose instance name parses back to it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 12 }), { maxLength: 4 }), (keys) => {
        const out = loadStr('variable "keys" {}\nresource "ssh_exec" "x" {\n  for_each = var.keys\n}\n', {
          env: {},
          variables: { keys },
        });
        expect(out.resources.map((r) => parseInstanceName(r.addr.name))).toEqual(
          keys.map((key) => ({ base: 'x', key })),
        );
      }),
    );
  });
});

describe('for_each errors', () => {
  it.each([
    ['a number', 'for_each = 3', 2, 14, 'BadForEach', '`for_each` got a number'],
    [
      'a list of numbers',
      'for_each = ["a", 2]',
      2,
      20,
      'BadForEach',
      /holds strings \(the instance keys\), found a number/,
    ],
    ['a key twice', 'for_each = ["a", "a"]', 2, 20, 'BadForEach', '`for_each` list holds "a" twice'],
    ['a secret', 'for_each = [secret.s.value]', 2, 15, 'BadForEach', 'a secret cannot feed `for_each`'],
    ['an unknown group', 'for_each = group.db', 2, 14, 'UnknownGroup', 'unknown group `db` in `for_each`'],
    ['a group field', 'for_each = group.web.hosts', 2, 14, 'BadForEach', /takes a whole group/],
    [
      'for_each twice',
      'for_each = ["a"]\n  for_each = ["b"]',
      3,
      3,
      'DuplicateAttribute',
      /duplicate attribute `for_each`/,
    ],
    [
      'each in for_each',
      'for_each = [each.key]',
      2,
      15,
      'EachOutsideForEach',
      '`each.key` is only defined in a resource with `for_each`',
    ],
  ] as const)('%s', (_name, line, atLine, column, code, message) => {
    const source = FLEET.replace('}\ngroup', '}\nsecret "s" { from_env = "S" }\ngroup');
    const before = FLEET.split('\n').length; // the lines above the resource, the secret's included
    expectConfigError(
      () => loadStr(`${source}resource "ssh_exec" "x" {\n  ${line}\n}\n`, { env: { S: 'x' } }),
      {
        code,
        line: before + atLine,
        column,
        message,
      },
    );
  });

  it.each([
    ['each outside for_each', 'x = each.value', 'EachOutsideForEach', 7],
    ['an unknown field of each', 'x = each.index', 'UnknownEachField', 7],
    ['a field of each.key', 'x = each.key.a', 'UnknownEachField', 7],
    ['a group reference as a value', 'x = group.web', 'GroupOutsideForEach', 7],
  ] as const)('%s', (_name, line, code, column) => {
    const forEach =
      code === 'EachOutsideForEach' || code === 'GroupOutsideForEach' ? '' : '  for_each = ["a"]\n';
    const source = `${FLEET}resource "ssh_exec" "x" {\n${forEach}  ${line}\n}\n`;
    expectConfigError(() => loadStr(source, { env: {} }), {
      code,
      column,
      line: FLEET.split('\n').length + (forEach ? 1 : 0) + 1 - 1 + 1,
    });
  });

  it('BadResourceName for a `[` in a resource name', () => {
    expectConfigError(() => loadStr('resource "ssh_exec" "x[1]" {\n}\n'), {
      code: 'BadResourceName',
      line: 1,
      column: 21,
    });
  });
});

describe('group errors', () => {
  it.each([
    [
      'a member that is not a host reference',
      'hosts = ["web1"]',
      'BadGroupBody',
      /holds host references, found a string/,
    ],
    ['a host field', 'hosts = [host.web1.addr]', 'BadGroupBody', /found `host.web1.addr`/],
    ['an unknown host', 'hosts = [host.web9]', 'UnknownHost', 'unknown host `web9` in group `g`'],
    [
      'a host twice',
      'hosts = [host.web1, host.web1]',
      'BadGroupBody',
      'group `g`: host `web1` is listed twice',
    ],
    ['no hosts', 'description = "x"', 'BadGroupBody', 'group `g`: `hosts` is missing'],
    ['an unknown attribute', 'members = []', 'BadGroupBody', 'group `g`: unknown attribute `members`'],
    ['hosts not a list', 'hosts = host.web1', 'BadGroupBody', /`hosts` must be a list/],
  ] as const)('%s', (_name, body, code, message) => {
    expectConfigError(() => loadStr(`${FLEET}group "g" {\n  ${body}\n}\n`, { env: {} }), { code, message });
  });

  it('DuplicateGroup', () => {
    expectConfigError(() => loadStr(`${FLEET}group "web" {\n  hosts = []\n}\n`, { env: {} }), {
      code: 'DuplicateGroup',
      line: 14,
      column: 7,
    });
  });
});
