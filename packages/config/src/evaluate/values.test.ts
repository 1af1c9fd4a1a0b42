// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

/** Loads `body` as the body of one ssh_exec resource next to a host `h`, and returns its attrs. */
function attrsOf(body: string, host = 'addr = "root@192.0.2.10"') {
  const out = loadStr(`host "h" {\n${host}\n}\nresource "ssh_exec" "x" {\n${body}\n}\n`, { env: {} });
  const resource = out.resources.find((r) => r.addr.name === 'x');
  return resource?.attrs;
}

describe('types and values', () => {
  it('renders the five value types as JSON', () => {
    const attrs = attrsOf(
      [
        'name = "api"',
        'greeting = "hello\\nworld"',
        'port = 4000',
        'timeout = 1.5',
        'tls = true',
        'ports = ["8080:80", "8443:443"]',
        'mixed = [1, "two", true]',
        'nested = [[1, 2], [3, 4]]',
        'env = {',
        '  NODE_ENV = "production"',
        '  PORT = 4000',
        '}',
        'labels = {',
        '  "traefik.enable" = "true"',
        '  "traefik.http.routers.api.rule" = "Host(`api.example.com`)"',
        '}',
      ].join('\n'),
    );
    expect(attrs).toEqual({
      name: 'api',
      greeting: 'hello\nworld',
      port: 4000,
      timeout: 1.5,
      tls: true,
      ports: ['8080:80', '8443:443'],
      mixed: [1, 'two', true],
      nested: [
        [1, 2],
        [3, 4],
      ],
      env: { NODE_ENV: 'production', PORT: 4000 },
      labels: { 'traefik.enable': 'true', 'traefik.http.routers.api.rule': 'Host(`api.example.com`)' },
    });
    expect(JSON.stringify(attrs?.port)).toBe('4000');
    expect(JSON.stringify(attrs?.timeout)).toBe('1.5');
  });

  it('renders a whole number written with a fraction as a JSON integer, so 4000 and 4000.0 are equal', () => {
    const a = attrsOf('port = 4000');
    const b = attrsOf('port = 4000.0');
    expect(JSON.stringify(b)).toBe('{"port":4000}');
    expect(b).toEqual(a);
  });

  it('keeps negative numbers and turns non-finite ones into null', () => {
    expect(attrsOf(`a = -3\nb = ${'9'.repeat(400)}`)).toEqual({ a: -3, b: null });
  });

  it('keeps trailing commas and empty collections', () => {
    expect(attrsOf('a = [1, 2,]\nb = []\nc = {}')).toEqual({ a: [1, 2], b: [], c: {} });
  });

  it('keeps `__proto__` as an ordinary key instead of changing the prototype', () => {
    const attrs = attrsOf('env = { __proto__ = "x" }');
    const env = attrs?.env as Record<string, unknown>;
    expect(Object.keys(env)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
    expect(JSON.stringify(env)).toBe('{"__proto__":"x"}');
  });
});

describe('nested blocks', () => {
  it('folds an unlabelled nested block under its kind (the spec example)', () => {
    const out = loadStr(
      strat(
        'host "prod" { addr = "root@192.0.2.10" }',
        'resource "ssh_exec" "demo" {',
        '  host = host.prod.addr',
        '  command = "true"',
        '  meta {',
        '    owner = "ops"',
        '  }',
        '}',
      ),
      { env: {} },
    );
    expect(out.resources.at(-1)?.attrs).toEqual({
      host: 'root@192.0.2.10',
      command: 'true',
      meta: { owner: 'ops' },
    });
  });

  it('folds a labelled nested block under <kind>_<label1>_<label2>, recursively', () => {
    expect(attrsOf('listener "http" "8080" {\n  inner "a" { x = 1 }\n}')).toEqual({
      listener_http_8080: { inner_a: { x: 1 } },
    });
  });

  it('rejects a nested block that folds onto an attribute already set', () => {
    expectConfigError(() => attrsOf('meta = 1\nmeta {\n  a = 2\n}'), {
      code: 'DuplicateAttribute',
      message: 'nested block `meta` folds into key `meta`, which is already set on line 5',
      line: 6,
      column: 1,
    });
  });
});

describe('duplicate keys', () => {
  it('rejects an attribute set twice in one body', () => {
    expectConfigError(() => attrsOf('command = "a"\ncommand = "b"'), {
      code: 'DuplicateAttribute',
      message: 'duplicate attribute `command`: already set on line 5',
      line: 6,
      column: 1,
    });
  });

  it('rejects a map key set twice', () => {
    expectConfigError(() => attrsOf('env = {\n  A = 1\n  "A" = 2\n}'), {
      code: 'DuplicateAttribute',
      message: 'duplicate key `A` in map: already set on line 6',
      line: 7,
      column: 3,
    });
  });
});

describe('string interpolation', () => {
  it('concatenates text and resolved references (the spec example)', () => {
    const out = loadStr(
      strat(
        'host "primary" { addr = "root@192.0.2.10" }',
        'secret "pg" { from_env = "PG" }',
        'resource "docker_container" "api" {',
        '  host = host.primary.addr',
        '  image = "api:dev"',
        '  env = {',
        '    DATABASE_URL = "postgresql://app:${secret.pg.value}@db:5432/app"',
        '    INTERNAL_API = "http://${host.primary.addr}:4000"',
        '  }',
        '}',
      ),
      { env: { PG: 'CORRECTHORSEBATTERY' } },
    );
    expect(out.resources.at(-1)?.attrs.env).toEqual({
      DATABASE_URL: 'postgresql://app:CORRECTHORSEBATTERY@db:5432/app',
      INTERNAL_API: 'http://root@192.0.2.10:4000',
    });
  });

  it('renders numbers in their JSON form and bools as true / false', () => {
    const host = 'addr = "a"\nport = 4000\nratio = 1.5\nwhole = 22.0\ntls = false\nneg = -1';
    expect(
      attrsOf('s = "${host.h.port}|${host.h.ratio}|${host.h.whole}|${host.h.tls}|${host.h.neg}"', host),
    ).toEqual({
      s: '4000|1.5|22|false|-1',
    });
  });

  it('keeps an escaped \\${ literal', () => {
    expect(attrsOf('shell_var = "literal \\${HOME} not stratum"')).toEqual({
      shell_var: 'literal ${HOME} not stratum',
    });
  });

  it.each([
    ['a list', 'tags = ["a", "b"]', 'tags'],
    ['a map', 'ssh = { user = "root" }', 'ssh'],
    ['null (a non-finite number)', `big = ${'9'.repeat(400)}`, 'big'],
  ])('refuses to interpolate %s', (_what, field, name) => {
    expectConfigError(() => attrsOf(`s = "x \${host.h.${name}} y"`, `addr = "a"\n${field}`), {
      code: 'NonScalarInterpolation',
      message:
        `cannot interpolate non-scalar value \`\${host.h.${name}}\` into a string\n` +
        '(refs inside `${...}` must resolve to a string, number, or bool)',
      line: 6,
      column: 10,
    });
  });

  it('lets a bare reference take a whole list or map, copied rather than shared', () => {
    const out = loadStr(
      strat(
        'host "h" {',
        '  tags = ["a", "b"]',
        '}',
        'resource "ssh_exec" "x" {',
        '  tags = host.h.tags',
        '}',
      ),
      { env: {} },
    );
    const tags = out.resources[0]?.attrs.tags as string[];
    expect(tags).toEqual(['a', 'b']);
    tags.push('mutated');
    expect(out.hosts[0]?.attrs.tags).toEqual(['a', 'b']);
  });
});

describe('interpolation errors from the spec', () => {
  it.each([
    ['${foo}', 'BadInterpolation', 'bare identifier `foo` not allowed in `${...}`'],
    ['${secret.foo}', 'RefTooShort', 'reference `secret.foo` too short — expected at least 3 segments'],
    ['${a.${b}}', 'BadInterpolation', 'nested `${` is not supported'],
    ['${}', 'BadInterpolation', 'empty `${}` is not allowed'],
  ] as const)('"%s" → %s', (placeholder, code, message) => {
    expectConfigError(() => attrsOf(`s = "${placeholder}"`), { code, message, line: 5 });
  });
});

describe('comments (the spec example)', () => {
  it('ignores # and // comments, inline ones too', () => {
    const out = loadStr(
      strat(
        'host "prod" { addr = "root@192.0.2.10" }',
        '# this is a comment',
        '// so is this',
        'resource "ssh_exec" "uptime" {',
        '  host = host.prod.addr # inline comments work too',
        '  command = "uptime"',
        '}',
      ),
    );
    expect(out.resources.at(-1)?.attrs).toEqual({ host: 'root@192.0.2.10', command: 'uptime' });
  });
});
