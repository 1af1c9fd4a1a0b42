// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import { describe, expect, it } from 'vitest';
import { stripSpans } from './__tests__/arbitraries';
import { expectConfigError, strat } from './__tests__/config-error';
import type { ConfigErrorCode } from './errors';
import { format } from './format';
import { parse } from './parse';
import { MAX_NESTING, StratParser } from './parser';

/** The blocks of `source`, without spans. */
function blocks(source: string) {
  return stripSpans(parse(source).blocks);
}

/** The value of the first attribute of the first block. */
function firstValue(source: string) {
  const item = parse(source).blocks[0]!.body[0]!;
  if (item.type !== 'attribute') throw new Error('expected an attribute');
  return stripSpans(item.value);
}

const str = (value: string) => ({ type: 'string', value });
const num = (raw: string) => ({ type: 'number', value: Number(raw), raw });
const ref = (path: string) => ({ type: 'ref', segments: path.split('.') });
const attr = (name: string, value: unknown) => ({ type: 'attribute', name, value });
const block = (kind: string, labels: string[], body: unknown[]) => ({
  type: 'block',
  kind,
  labels: labels.map((value) => ({ value })),
  body,
});

describe('parse: the language chapter examples', () => {
  it('parses comments of both kinds, inline ones included', () => {
    const source = strat(
      '# this is a comment',
      '// so is this',
      'resource "ssh_exec" "uptime" {',
      'host = host.prod.addr # inline comments work too',
      'command = "uptime"',
      '}',
    );
    const doc = parse(source, 'main.strat');
    expect(stripSpans(doc.blocks)).toEqual([
      block(
        'resource',
        ['ssh_exec', 'uptime'],
        [attr('host', ref('host.prod.addr')), attr('command', str('uptime'))],
      ),
    ]);
    expect(doc.comments.map((c) => [c.text, c.span.start.line, c.span.start.column])).toEqual([
      ['# this is a comment', 1, 1],
      ['// so is this', 2, 1],
      ['# inline comments work too', 4, 23],
    ]);
  });

  it('parses a host block', () => {
    expect(blocks(strat('host "prod" {', 'addr = "root@192.0.2.10"', 'port = 22', '}'))).toEqual([
      block('host', ['prod'], [attr('addr', str('root@192.0.2.10')), attr('port', num('22'))]),
    ]);
  });

  it('parses several one-line blocks', () => {
    const source = strat(
      'host "prod" { addr = "root@192.0.2.10" }',
      'host "staging" { addr = "root@5.6.7.8" }',
      'resource "ssh_exec" "uptime_prod" {',
      'host = host.prod.addr',
      'command = "uptime"',
      '}',
    );
    expect(blocks(source).map((b) => [b.kind, b.labels.map((l) => l.value)])).toEqual([
      ['host', ['prod']],
      ['host', ['staging']],
      ['resource', ['ssh_exec', 'uptime_prod']],
    ]);
  });

  it('parses a secret and a resource with an env map holding a reference', () => {
    const source = strat(
      'secret "pg_password" {',
      'from_env = "PG_PASSWORD"',
      '}',
      'resource "docker_container" "db" {',
      'host = host.primary.addr',
      'image = "postgres:16-alpine"',
      'env = {',
      'POSTGRES_PASSWORD = secret.pg_password.value',
      '}',
      '}',
    );
    expect(blocks(source)).toEqual([
      block('secret', ['pg_password'], [attr('from_env', str('PG_PASSWORD'))]),
      block(
        'resource',
        ['docker_container', 'db'],
        [
          attr('host', ref('host.primary.addr')),
          attr('image', str('postgres:16-alpine')),
          attr('env', {
            type: 'map',
            entries: [{ key: 'POSTGRES_PASSWORD', quotedKey: false, value: ref('secret.pg_password.value') }],
          }),
        ],
      ),
    ]);
  });

  it('parses a resource with a list and a map with quoted keys', () => {
    const source = strat(
      'resource "docker_container" "hello" {',
      'host = host.primary.addr',
      'name = "hello"',
      'image = "nginxdemos/hello:latest"',
      'restart = "unless-stopped"',
      'networks = ["stratum-edge"]',
      'labels = {',
      '"traefik.enable" = "true"',
      '"traefik.http.routers.hello.rule" = "Host(`hello.example.com`)"',
      '}',
      '}',
    );
    const body = blocks(source)[0]!.body;
    expect(body.slice(4)).toEqual([
      attr('networks', { type: 'list', items: [str('stratum-edge')] }),
      attr('labels', {
        type: 'map',
        entries: [
          { key: 'traefik.enable', quotedKey: true, value: str('true') },
          {
            key: 'traefik.http.routers.hello.rule',
            quotedKey: true,
            value: str('Host(`hello.example.com`)'),
          },
        ],
      }),
    ]);
  });

  it('parses nested blocks, with and without labels', () => {
    const source = strat(
      'resource "ssh_exec" "demo" {',
      'host = host.prod.addr',
      'command = "true"',
      'meta {',
      'owner = "ops"',
      '}',
      'rule "a" "b" { port = 80 }',
      '}',
    );
    expect(blocks(source)[0]!.body.slice(2)).toEqual([
      block('meta', [], [attr('owner', str('ops'))]),
      block('rule', ['a', 'b'], [attr('port', num('80'))]),
    ]);
  });

  it('parses a host with a nested map and a deep reference to it', () => {
    const source = strat(
      'host "prod" {',
      'ssh = {',
      'user = "root"',
      'addr = "1.2.3.4"',
      '}',
      '}',
      'resource "ssh_exec" "x" {',
      'host = host.prod.ssh.addr',
      'command = "true"',
      '}',
    );
    expect(blocks(source)[1]!.body[0]).toEqual(attr('host', ref('host.prod.ssh.addr')));
  });

  it('parses the string examples', () => {
    expect(firstValue('x { name = "api" }')).toEqual(str('api'));
    expect(firstValue('x { greeting = "hello\\nworld" }')).toEqual(str('hello\nworld'));
    expect(firstValue('x { escaped = "literal \\${HOME}" }')).toEqual(str('literal ${HOME}'));
    expect(firstValue('x { shell_var = "literal \\${HOME} not stratum" }')).toEqual(
      str('literal ${HOME} not stratum'),
    );
    expect(firstValue('x { q = "say \\"hi\\" \\\\ \\t\\r" }')).toEqual(str('say "hi" \\ \t\r'));
  });

  it('parses interpolated strings into templates', () => {
    expect(
      firstValue('x { db_url = "postgresql://app:${secret.pg.value}@${host.primary.addr}:5432/app" }'),
    ).toEqual({
      type: 'template',
      parts: [
        { type: 'text', value: 'postgresql://app:' },
        ref('secret.pg.value'),
        { type: 'text', value: '@' },
        ref('host.primary.addr'),
        { type: 'text', value: ':5432/app' },
      ],
    });
    expect(firstValue('x { a = "http://${host.primary.addr}:4000" }')).toMatchObject({ type: 'template' });
  });

  it('parses a too-short reference in a placeholder, leaving it to the evaluator', () => {
    expect(firstValue('x { a = "${secret.foo}" }')).toEqual({ type: 'template', parts: [ref('secret.foo')] });
  });

  it('parses numbers as JS numbers and keeps how they were written', () => {
    expect(firstValue('x { port = 4000 }')).toEqual(num('4000'));
    expect(firstValue('x { timeout = 1.5 }')).toEqual(num('1.5'));
    expect(firstValue('x { t = -3 }')).toEqual({ type: 'number', value: -3, raw: '-3' });
    expect(firstValue('x { t = 4000.0 }')).toEqual({ type: 'number', value: 4000, raw: '4000.0' });
  });

  it('parses booleans', () => {
    expect(firstValue('x { tls = true }')).toEqual({ type: 'bool', value: true });
    expect(firstValue('x { tls = false }')).toEqual({ type: 'bool', value: false });
  });

  it('parses lists, with trailing commas and nesting', () => {
    expect(firstValue('x { ports = ["8080:80", "8443:443"] }')).toEqual({
      type: 'list',
      items: [str('8080:80'), str('8443:443')],
    });
    expect(firstValue('x { mixed = [1, "two", true] }')).toEqual({
      type: 'list',
      items: [num('1'), str('two'), { type: 'bool', value: true }],
    });
    expect(firstValue('x { nested = [[1, 2], [3, 4]] }')).toEqual({
      type: 'list',
      items: [
        { type: 'list', items: [num('1'), num('2')] },
        { type: 'list', items: [num('3'), num('4')] },
      ],
    });
    expect(firstValue('x { a = [1, 2,] }')).toEqual({ type: 'list', items: [num('1'), num('2')] });
    expect(firstValue('x { a = [] }')).toEqual({ type: 'list', items: [] });
    expect(firstValue('x { a = [host.a.b, { k = 1 }] }')).toEqual({
      type: 'list',
      items: [ref('host.a.b'), { type: 'map', entries: [{ key: 'k', quotedKey: false, value: num('1') }] }],
    });
  });

  it('parses maps whose entries are separated by whitespace only', () => {
    expect(firstValue(strat('x { env = {', 'NODE_ENV = "production"', 'PORT = 4000', '} }'))).toEqual({
      type: 'map',
      entries: [
        { key: 'NODE_ENV', quotedKey: false, value: str('production') },
        { key: 'PORT', quotedKey: false, value: num('4000') },
      ],
    });
    expect(firstValue('x { m = { a = 1 b = { c = [] } } }')).toMatchObject({ type: 'map' });
    expect(firstValue('x { m = {} }')).toEqual({ type: 'map', entries: [] });
  });

  it('decodes escapes in labels and quoted map keys', () => {
    const doc = blocks('r "a\\"b" { m = { "k\\tv" = 1 } }');
    expect(doc[0]!.labels).toEqual([{ value: 'a"b' }]);
    expect(firstValue('r { m = { "k\\tv" = 1 } }')).toEqual({
      type: 'map',
      entries: [{ key: 'k\tv', quotedKey: true, value: num('1') }],
    });
  });

  it('parses an empty document and one of only comments', () => {
    expect(parse('').blocks).toEqual([]);
    const doc = parse('# a\n\n// b\n');
    expect(doc.blocks).toEqual([]);
    expect(doc.comments.map((c) => c.text)).toEqual(['# a', '// b']);
  });

  it('accepts CRLF line ends, tabs and a byte-order mark', () => {
    expect(blocks('\uFEFFhost "a" {\r\n\taddr = "x"\r\n}\r\n')).toEqual([
      block('host', ['a'], [attr('addr', str('x'))]),
    ]);
  });

  it('accepts unicode inside strings and comments', () => {
    expect(firstValue('x { # ünïcødé 😀\n s = "日本語 😀 é" }')).toEqual(str('日本語 😀 é'));
  });
});

describe('parse: spans', () => {
  const source = strat(
    'host "prod" {',
    '  addr = "root@1.2.3.4"',
    '}',
    '',
    'resource "ssh_exec" "x" {',
    '  host = host.prod.addr',
    '  env = { "A" = "${host.prod.addr}" }',
    '  list = [1, 2]',
    '}',
  );
  const doc = parse(source, 'conf/main.strat');

  it('records the file and the document span', () => {
    expect(doc.file).toBe('conf/main.strat');
    expect(doc.span).toEqual({
      file: 'conf/main.strat',
      start: { offset: 0, line: 1, column: 1 },
      end: { offset: source.length, line: 10, column: 1 },
    });
  });

  it('gives blocks, kinds and labels their positions', () => {
    const res = doc.blocks[1]!;
    expect(res.span.start).toEqual({ offset: source.indexOf('resource'), line: 5, column: 1 });
    expect(res.span.end).toMatchObject({ line: 9, column: 2 });
    expect(res.kindSpan).toMatchObject({ start: { line: 5, column: 1 }, end: { line: 5, column: 9 } });
    expect(res.labels.map((l) => [l.span.start.column, l.span.end.column])).toEqual([
      [10, 20],
      [21, 24],
    ]);
    expect(res.span.file).toBe('conf/main.strat');
  });

  it('gives attributes, values and map entries their positions', () => {
    const [host, env, list] = doc.blocks[1]!.body;
    if (host?.type !== 'attribute' || env?.type !== 'attribute' || list?.type !== 'attribute')
      throw new Error();
    expect(host.nameSpan).toMatchObject({ start: { line: 6, column: 3 }, end: { line: 6, column: 7 } });
    expect(host.value.span).toMatchObject({ start: { line: 6, column: 10 }, end: { line: 6, column: 24 } });
    expect(host.span).toMatchObject({ start: { line: 6, column: 3 }, end: { line: 6, column: 24 } });
    if (env.value.type !== 'map') throw new Error();
    const entry = env.value.entries[0]!;
    expect(entry.keySpan).toMatchObject({ start: { line: 7, column: 11 }, end: { line: 7, column: 14 } });
    expect(entry.value.span).toMatchObject({ start: { line: 7, column: 17 } });
    if (entry.value.type !== 'template') throw new Error();
    expect(entry.value.parts[0]!.span).toMatchObject({
      file: 'conf/main.strat',
      start: { line: 7, column: 20 },
      end: { line: 7, column: 34 },
    });
    expect(list.value.span).toMatchObject({ start: { line: 8, column: 10 }, end: { line: 8, column: 16 } });
  });

  it('works the same when called again with another file', () => {
    const again = parse('a { b = 1 }', 'other.strat');
    expect(again.blocks[0]!.span.file).toBe('other.strat');
    expect(parse(source, 'conf/main.strat')).toEqual(doc);
  });
});

interface ErrorRow {
  name: string;
  source: string;
  code: ConfigErrorCode;
  message: string;
  line: number;
  column: number;
}

const ERROR_ROWS: ErrorRow[] = [
  // The spec's rows.
  {
    name: 'a bare identifier as a value',
    source: strat('resource "ssh_exec" "x" {', '  host = prod # error: bare identifier', '}'),
    code: 'BareIdentifier',
    message:
      'bare identifier `prod` not allowed as value (use a string or a reference like `host.prod.addr`)',
    line: 2,
    column: 10,
  },
  {
    name: 'a bare identifier in a placeholder',
    source: strat('r "x" {', '  a = "${foo}"', '}'),
    code: 'BadInterpolation',
    message: 'bare identifier `foo` not allowed in `${...}`',
    line: 2,
    column: 10,
  },
  {
    name: 'a nested placeholder',
    source: strat('r "x" {', '  a = "${a.${b}}"', '}'),
    code: 'BadInterpolation',
    message: 'nested `${` is not supported',
    line: 2,
    column: 12,
  },
  {
    name: 'an empty placeholder',
    source: strat('r "x" {', '  a = "${}"', '}'),
    code: 'BadInterpolation',
    message: 'empty `${}` is not allowed',
    line: 2,
    column: 8,
  },
  {
    name: 'a \\$ escape not followed by {',
    source: strat('r "x" {', '  a = "\\$HOME"', '}'),
    code: 'BadEscape',
    message: '`\\$` must be followed by `{`: `\\${` is the only escape starting with `\\$`',
    line: 2,
    column: 8,
  },
  // Ours.
  {
    name: 'an unknown escape',
    source: strat('r "x" {', '  a = "C:\\dir"', '}'),
    code: 'BadEscape',
    message: 'unknown escape `\\d` in string',
    line: 2,
    column: 10,
  },
  {
    name: 'a raw line break in a string',
    source: strat('r "x" {', '  a = "one', 'two"', '}'),
    code: 'NewlineInString',
    message: 'unterminated string: a string cannot contain a line break',
    line: 2,
    column: 7,
  },
  {
    name: 'a string running to the end of the file',
    source: 'r "x" {\n  a = "open',
    code: 'UnterminatedString',
    message: 'unterminated string: no closing `"` before the end of the file',
    line: 2,
    column: 7,
  },
  {
    name: 'an unexpected character',
    source: strat('r "x" {', '  a = @b', '}'),
    code: 'LexError',
    message: 'unexpected character `@`',
    line: 2,
    column: 7,
  },
  {
    name: 'single quotes',
    source: strat('r "x" {', "  a = 'b'", '}'),
    code: 'LexError',
    message: "unexpected character `'`",
    line: 2,
    column: 7,
  },
  {
    name: 'a colon instead of =',
    source: strat('r "x" {', '  a: 1', '}'),
    code: 'LexError',
    message: 'unexpected character `:`',
    line: 2,
    column: 4,
  },
  {
    name: 'a placeholder in a block label',
    source: strat('r "${host.a.b}" {', '}'),
    code: 'BadInterpolation',
    message: '`${...}` is not allowed in a block label',
    line: 1,
    column: 6,
  },
  {
    name: 'a placeholder in a map key',
    source: strat('r {', '  m = { "${host.a.b}" = 1 }', '}'),
    code: 'BadInterpolation',
    message: '`${...}` is not allowed in a map key',
    line: 2,
    column: 12,
  },
  {
    name: 'a missing = after an attribute name',
    source: strat('r "x" {', '  host "x"', '  port = 22', '}'),
    code: 'ParseError',
    message: 'expected `=` after attribute name `host`, found `"x"`',
    line: 2,
    column: 8,
  },
  {
    name: 'something other than = or { after a name',
    source: strat('r "x" {', '  port 22', '}'),
    code: 'ParseError',
    message: 'expected `=` after attribute name `port`, found `22`',
    line: 2,
    column: 8,
  },
  {
    name: 'an attribute at the top level',
    source: strat('host = "x"'),
    code: 'ParseError',
    message: 'attribute `host` is not allowed at the top level',
    line: 1,
    column: 6,
  },
  {
    name: 'an unquoted label',
    source: strat('resource docker_container "x" {', '}'),
    code: 'ParseError',
    message: 'expected `{` to open the body of `resource`, found `docker_container`',
    line: 1,
    column: 10,
  },
  {
    name: 'a missing value',
    source: strat('r "x" {', '  a =', '}'),
    code: 'ParseError',
    message: 'expected a value after `=`, found `}`',
    line: 3,
    column: 1,
  },
  {
    name: 'a missing comma in a list',
    source: strat('r "x" {', '  a = [1 2]', '}'),
    code: 'ParseError',
    message: 'expected `,` or `]` after a list item, found `2`',
    line: 2,
    column: 10,
  },
  {
    name: 'a lone comma in a list',
    source: strat('r "x" {', '  a = [,]', '}'),
    code: 'ParseError',
    message: 'expected a value or `]` in a list, found `,`',
    line: 2,
    column: 8,
  },
  {
    name: 'two commas in a list',
    source: strat('r "x" {', '  a = [1,,]', '}'),
    code: 'ParseError',
    message: 'expected a value or `]` in a list, found `,`',
    line: 2,
    column: 10,
  },
  {
    name: 'commas between map entries',
    source: strat('r "x" {', '  m = { a = 1, b = 2 }', '}'),
    code: 'ParseError',
    message: 'expected a map key or `}` in a map, found `,`',
    line: 2,
    column: 14,
  },
  {
    name: 'a missing = after a map key',
    source: strat('r "x" {', '  m = { FOO "bar" }', '}'),
    code: 'ParseError',
    message: 'expected `=` after map key `FOO`, found `"bar"`',
    line: 2,
    column: 13,
  },
  {
    name: 'a nested block inside a map',
    source: strat('r "x" {', '  m = { meta { a = 1 } }', '}'),
    code: 'ParseError',
    message: 'expected `=` after map key `meta`, found `{`',
    line: 2,
    column: 14,
  },
  {
    name: 'a reference ending in a dot',
    source: strat('r "x" {', '  a = host.prod.', '}'),
    code: 'ParseError',
    message: 'expected a name after `.` in a reference, found `}`',
    line: 3,
    column: 1,
  },
  {
    name: 'a keyword as a reference segment',
    source: strat('r "x" {', '  a = host.true.addr', '}'),
    code: 'ParseError',
    message: 'expected a name after `.` in a reference, found `true`',
    line: 2,
    column: 12,
  },
  {
    name: 'a keyword as an attribute name',
    source: strat('r "x" {', '  true = 1', '}'),
    code: 'ParseError',
    message: 'expected an attribute, a nested block or `}` in the body of `r "x"`, found `true`',
    line: 2,
    column: 3,
  },
  {
    name: 'a quoted attribute name',
    source: strat('r "x" {', '  "a" = 1', '}'),
    code: 'ParseError',
    message: 'expected an attribute, a nested block or `}` in the body of `r "x"`, found `"a"`',
    line: 2,
    column: 3,
  },
  {
    name: 'an unclosed block',
    source: strat('r "x" {', '  a = 1'),
    code: 'ParseError',
    message: 'block `r "x"` is not closed: expected `}`, found the end of the file',
    line: 1,
    column: 1,
  },
  {
    name: 'a value running into the end of the file',
    source: 'r "x" {\n  a = [1,',
    code: 'ParseError',
    message: 'expected a value or `]` in a list, found the end of the file',
    line: 2,
    column: 10,
  },
  {
    name: 'a closing brace too many',
    source: strat('r "x" {', '}', '}'),
    code: 'ParseError',
    message: 'expected a block at the top level, found `}`',
    line: 3,
    column: 1,
  },
  {
    name: 'a value at the top level',
    source: strat('"x"'),
    code: 'ParseError',
    message: 'expected a block at the top level, found `"x"`',
    line: 1,
    column: 1,
  },
  {
    name: 'a number with a trailing dot',
    source: strat('r "x" {', '  a = 1.', '}'),
    code: 'ParseError',
    message: 'expected an attribute, a nested block or `}` in the body of `r "x"`, found `.`',
    line: 2,
    column: 8,
  },
];

describe('parse: errors', () => {
  it.each(ERROR_ROWS)('reports $name', (row) => {
    const error = expectConfigError(() => parse(row.source, 'bad.strat'), {
      code: row.code,
      message: row.message,
      line: row.line,
      column: row.column,
      file: 'bad.strat',
    });
    expect(error.source).toBe(row.source);
    expect(error.frame()).toContain('^');
  });

  it('reports the first problem in the text when there are several', () => {
    expectConfigError(() => parse(strat('r {', '  a = @', '  b = prod', '}')), { code: 'LexError', line: 2 });
    expectConfigError(() => parse(strat('r {', '  b = prod', '  a = @', '}')), {
      code: 'BareIdentifier',
      line: 2,
    });
    expectConfigError(() => parse(strat('r {', '  b = [1 2]', '  a = "\\q"', '}')), {
      code: 'ParseError',
      line: 2,
    });
  });

  it('draws a code frame under the offending token', () => {
    const error = expectConfigError(() => parse(strat('r "x" {', '  host = prod', '}'), 'main.strat'), {
      code: 'BareIdentifier',
    });
    expect(error.toString()).toBe(
      'main.strat:2:10: bare identifier `prod` not allowed as value (use a string or a reference like `host.prod.addr`)',
    );
    expect(error.frame()).toBe(['  |', '2 |   host = prod', '  |          ^^^^'].join('\n'));
    expect(error.hint).toBe('quote it as a string: "prod"');
  });

  it('accepts nesting up to MAX_NESTING levels and refuses deeper nesting', () => {
    const lists = (n: number) => `a { b = ${'['.repeat(n)}${']'.repeat(n)} }`;
    expect(() => parse(lists(MAX_NESTING - 1))).not.toThrow();
    expect(() => format(lists(MAX_NESTING - 1))).not.toThrow();
    expectConfigError(() => parse(lists(MAX_NESTING)), {
      code: 'ParseError',
      message: `nesting deeper than ${MAX_NESTING} levels`,
      line: 1,
      column: 9 + MAX_NESTING - 1,
    });
    const blocks = (n: number) => `${'a { '.repeat(n)}${'}'.repeat(n)}`;
    expect(() => parse(blocks(MAX_NESTING))).not.toThrow();
    expectConfigError(() => parse(blocks(10_000)), {
      code: 'ParseError',
      line: 1,
      column: 4 * MAX_NESTING + 1,
    });
    expectConfigError(() => parse(`a { m = ${'{ k = '.repeat(10_000)}`), { code: 'ParseError' });
  });

  it('keeps working after an error', () => {
    expect(() => parse('r { a = }')).toThrow();
    expect(blocks('r { a = 1 }')).toEqual([block('r', [], [attr('a', num('1'))])]);
  });
});

describe('parse: the grammar', () => {
  it("passes chevrotain's checks, which the parser that parses skips", () => {
    // performSelfAnalysis throws on an ambiguous or left-recursive rule.
    expect(() => new StratParser({ validate: true })).not.toThrow();
  });
});
