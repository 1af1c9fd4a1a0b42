// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import { describe, expect, it } from 'vitest';
import { strat } from './__tests__/config-error';
import { ConfigError } from './errors';
import { format } from './format';

describe('format', () => {
  it('lays out blocks, attributes, lists and maps canonically', () => {
    const source = [
      'host "prod" { addr="root@192.0.2.10"',
      '    port   =   22 }',
      'resource "docker_container" "hello" {',
      '\thost = host . primary . addr',
      '  networks = [ "stratum-edge" , ]',
      '  labels = { "traefik.enable" = "true" "traefik.http.routers.hello.rule" = "Host(`hello.example.com`)" }',
      '  env = {NODE_ENV = "production" PORT = 4000}',
      '  meta { owner = "ops" }',
      '}',
    ].join('\n');
    expect(format(source)).toBe(
      strat(
        'host "prod" {',
        '  addr = "root@192.0.2.10"',
        '  port = 22',
        '}',
        '',
        'resource "docker_container" "hello" {',
        '  host = host.primary.addr',
        '  networks = ["stratum-edge"]',
        '  labels = {',
        '    "traefik.enable" = "true"',
        '    "traefik.http.routers.hello.rule" = "Host(`hello.example.com`)"',
        '  }',
        '  env = {',
        '    NODE_ENV = "production"',
        '    PORT = 4000',
        '  }',
        '  meta {',
        '    owner = "ops"',
        '  }',
        '}',
      ),
    );
  });

  it('writes empty blocks, lists and maps on one line', () => {
    expect(format('a "x" {\n}\nb { l = [\n] m = {\n} }')).toBe(
      strat('a "x" {}', '', 'b {', '  l = []', '  m = {}', '}'),
    );
  });

  it('keeps numbers as written and re-escapes strings canonically', () => {
    expect(format('x { a = 1.50 b = -0 c = "tab\there" d = "q\\"\\\\\\n\\r" e = "$5 \\${x}" }')).toBe(
      strat(
        'x {',
        '  a = 1.50',
        '  b = -0',
        '  c = "tab\\there"',
        '  d = "q\\"\\\\\\n\\r"',
        '  e = "$5 \\${x}"',
        '}',
      ),
    );
  });

  it('writes templates with their references in ${...}', () => {
    expect(format('x { u = "pg://${ secret.pg.value }@${host.a.addr}:5432/\\${HOME}$" }')).toBe(
      strat('x {', '  u = "pg://${secret.pg.value}@${host.a.addr}:5432/\\${HOME}$"', '}'),
    );
  });

  it('breaks a list that does not fit in 80 columns, one item per line with a trailing comma', () => {
    const items = Array.from({ length: 8 }, (_, i) => `"item-number-${i}"`);
    expect(format(`x { list = [${items.join(',')}] }`)).toBe(
      strat('x {', '  list = [', ...items.map((i) => `    ${i},`), '  ]', '}'),
    );
    const fits = `x {\n  l = [${Array.from({ length: 9 }, () => '"abc"').join(', ')}]\n}\n`;
    expect(fits.split('\n')[1]!.length).toBeLessThanOrEqual(80);
    expect(format(fits)).toBe(fits);
  });

  it('breaks a list holding a map, and keeps inner short lists on one line', () => {
    expect(format('x { l = [{ a = 1 }, [1, 2]] }')).toBe(
      strat('x {', '  l = [', '    {', '      a = 1', '    },', '    [1, 2],', '  ]', '}'),
    );
  });

  it('keeps own-line, trailing and closing comments in place', () => {
    const source = strat(
      '# file header',
      '',
      '// about prod',
      'host "prod" { # the box',
      '  addr = "root@1.2.3.4"   # where',
      '  # before port',
      '  port = 22',
      '  # end of body',
      '} # after the block',
      'resource "r_x" "y" {',
      '  env = { # env',
      '    A = 1 # one',
      '    # closing',
      '  }',
      '  l = [1, # first',
      '    2]',
      '}',
      '# the end',
    );
    expect(format(source)).toBe(
      strat(
        '# file header',
        '',
        '// about prod',
        'host "prod" { # the box',
        '  addr = "root@1.2.3.4" # where',
        '  # before port',
        '  port = 22',
        '  # end of body',
        '} # after the block',
        '',
        'resource "r_x" "y" {',
        '  env = { # env',
        '    A = 1 # one',
        '    # closing',
        '  }',
        '  l = [',
        '    1, # first',
        '    2,',
        '  ]',
        '}',
        '',
        '# the end',
      ),
    );
  });

  it('moves a comment caught inside a one-line construct above it', () => {
    expect(format('x {\n  a = # why\n    1\n  b = host. # odd\n  c.d\n}\n')).toBe(
      strat('x {', '  # why', '  a = 1', '  # odd', '  b = host.c.d', '}'),
    );
    expect(format('resource # kind\n "a" # name\n "b" {}\n')).toBe(
      strat('# kind', '# name', 'resource "a" "b" {}'),
    );
  });

  it('keeps single blank lines between items and drops the rest', () => {
    expect(format('x {\n\n\n  a = 1\n\n\n\n  b = 2\n  c = 3\n\n}\n\n\n')).toBe(
      strat('x {', '  a = 1', '', '  b = 2', '  c = 3', '}'),
    );
  });

  it('separates top-level blocks by exactly one blank line', () => {
    expect(format('a {}\nb {}\n\n\n\nc {}')).toBe(strat('a {}', '', 'b {}', '', 'c {}'));
  });

  it('turns CRLF into LF and trims comment ends', () => {
    expect(format('a { # x  \r\n  b = 1\r\n}\r\n')).toBe(strat('a { # x', '  b = 1', '}'));
  });

  it('writes an empty document as an empty file', () => {
    expect(format('')).toBe('');
    expect(format('\n\n  \n')).toBe('');
    expect(format('# only\n')).toBe('# only\n');
  });

  it('is idempotent on a realistic file', () => {
    const source = strat(
      'resource "docker_container" "api" {',
      '  host = host.primary.addr',
      '  image = "api:dev"',
      '  env = {',
      '    # Embed a secret inside a URI',
      '    DATABASE_URL = "postgresql://app:${secret.pg.value}@db:5432/app"',
      '    INTERNAL_API = "http://${host.primary.addr}:4000"',
      '  }',
      '}',
    );
    expect(format(source)).toBe(source);
  });

  it('throws the parse error for invalid source', () => {
    expect(() => format('x { a = prod }', 'f.strat')).toThrow(ConfigError);
  });
});
