// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

describe('kind routing', () => {
  it.each([
    ['system_package', 'system'],
    ['ssh_exec', 'ssh'],
    ['docker_container', 'docker'],
    ['system_secret_file', 'system'],
    ['acme_thing', 'acme'],
  ])('%s → %s', (kind, provider) => {
    const out = loadStr(`resource "${kind}" "x" {\n}\n`);
    expect(out.resources).toEqual([
      {
        addr: { kind, name: 'x' },
        provider,
        attrs: {},
        source: { block: { file: undefined, line: 1, column: 1 }, attrs: {}, dir: undefined, secretRefs: [] },
      },
    ]);
  });

  it.each(['foo', '_bar', ''])('rejects kind %j with BadKind', (kind) => {
    expectConfigError(() => loadStr(`resource "${kind}" "x" {\n}`), {
      code: 'BadKind',
      message: `resource kind \`${kind}\` must be prefixed with provider name`,
      line: 1,
      column: 10,
    });
  });
});

describe('resource blocks', () => {
  it('evaluates the spec example and records where each attribute was written', () => {
    const out = loadStr(
      strat(
        'host "primary" { addr = "root@192.0.2.10" }',
        'resource "docker_container" "hello" {',
        '  host     = host.primary.addr',
        '  name     = "hello"',
        '  image    = "nginxdemos/hello:latest"',
        '  restart  = "unless-stopped"',
        '  networks = ["stratum-edge"]',
        '  labels = {',
        '    "traefik.enable" = "true"',
        '    "traefik.http.routers.hello.rule" = "Host(`hello.example.com`)"',
        '  }',
        '  healthcheck {',
        '    test = "true"',
        '  }',
        '}',
      ),
      { file: 'web.strat' },
    );
    const hello = out.resources.at(-1);
    expect(hello?.addr).toEqual({ kind: 'docker_container', name: 'hello' });
    expect(hello?.provider).toBe('docker');
    expect(hello?.attrs).toEqual({
      host: 'root@192.0.2.10',
      name: 'hello',
      image: 'nginxdemos/hello:latest',
      restart: 'unless-stopped',
      networks: ['stratum-edge'],
      labels: { 'traefik.enable': 'true', 'traefik.http.routers.hello.rule': 'Host(`hello.example.com`)' },
      healthcheck: { test: 'true' },
    });
    const at = (line: number, column: number) => ({ file: 'web.strat', line, column });
    expect(hello?.source).toEqual({
      block: at(2, 1),
      attrs: {
        host: at(3, 3),
        name: at(4, 3),
        image: at(5, 3),
        restart: at(6, 3),
        networks: at(7, 3),
        labels: at(8, 3),
        healthcheck: at(12, 3),
      },
      dir: undefined,
      secretRefs: [],
    });
  });

  it('keeps document order after the implicit resources', () => {
    const out = loadStr(
      strat(
        'resource "ssh_exec" "b" {\n}',
        'host "h" { addr = "root@h" }',
        'resource "ssh_exec" "a" {\n}',
        'resource "docker_network" "c" {\n}',
      ),
    );
    expect(out.resources.map((r) => `${r.addr.kind}.${r.addr.name}`)).toEqual([
      'ssh_exec._stratum_swap_h',
      'system_file._stratum_sshd_oom_h',
      'ssh_exec._stratum_sshd_reload_h',
      'ssh_exec.b',
      'ssh_exec.a',
      'docker_network.c',
    ]);
  });

  it('allows the same name under two kinds', () => {
    const out = loadStr('resource "ssh_exec" "x" {\n}\nresource "ssh_file" "x" {\n}');
    expect(out.resources).toHaveLength(2);
  });

  it.each([
    ['one label', 'resource "ssh_exec" {\n}', 'resource block needs 2 labels, found 1', 1, 1],
    ['three labels', 'resource "ssh_exec" "a" "b" {\n}', 'resource block needs 2 labels, found 3', 1, 25],
  ])('BadBlockLabels for %s', (_what, source, message, line, column) => {
    expectConfigError(() => loadStr(source), { code: 'BadBlockLabels', message, line, column });
  });

  it('DuplicateResource for the same <kind>.<name>', () => {
    expectConfigError(
      () => loadStr('resource "ssh_exec" "x" {\n}\n\nresource "ssh_exec" "x" {\n}', { file: 'app.strat' }),
      {
        code: 'DuplicateResource',
        message: 'duplicate resource `ssh_exec.x`: defined in app.strat:1 and app.strat:4',
        line: 4,
        column: 21,
      },
    );
  });

  it('reserves the _stratum_ prefix for implicit resources', () => {
    expectConfigError(() => loadStr('host "h" { addr = "a" }\nresource "ssh_exec" "_stratum_swap_h" {\n}'), {
      code: 'ReservedResourceName',
      message: 'resource name `_stratum_swap_h` uses the reserved `_stratum_` prefix',
      line: 2,
      column: 21,
    });
  });
});

describe('provider blocks', () => {
  it('evaluates providers with the host and secret scope', () => {
    const out = loadStr(
      strat(
        'host "h" { addr = "root@h" }',
        'secret "t" { from_env = "T" }',
        'provider "acme" {',
        '  source = "@acme/stratum-provider"',
        '  endpoint = "https://${host.h.addr}/api"',
        '  token = secret.t.value',
        '}',
      ),
      { env: { T: 'token-value-123' }, file: 'p.strat' },
    );
    expect(out.providers).toEqual([
      {
        name: 'acme',
        attrs: { source: '@acme/stratum-provider', endpoint: 'https://root@h/api', token: 'token-value-123' },
        file: 'p.strat',
        source: {
          block: { file: 'p.strat', line: 3, column: 1 },
          attrs: {
            source: { file: 'p.strat', line: 4, column: 3 },
            endpoint: { file: 'p.strat', line: 5, column: 3 },
            token: { file: 'p.strat', line: 6, column: 3 },
          },
        },
      },
    ]);
  });

  it('DuplicateProvider and BadBlockLabels', () => {
    expectConfigError(() => loadStr('provider "docker" {\n}\nprovider "docker" {\n}'), {
      code: 'DuplicateProvider',
      message: 'duplicate provider `docker`: defined in <input>:1 and <input>:3',
      line: 3,
      column: 10,
    });
    expectConfigError(() => loadStr('provider {\n}'), {
      code: 'BadBlockLabels',
      message: 'provider block needs exactly 1 label, found 0',
    });
  });

  it('reports reference errors in provider bodies', () => {
    expectConfigError(() => loadStr('provider "x" {\n  a = host.nope.addr\n}'), {
      code: 'UnknownHost',
      line: 2,
      column: 7,
    });
  });
});

describe('top-level blocks', () => {
  it('rejects an unknown block kind', () => {
    expectConfigError(() => loadStr('host "h" {\n}\nmodule "m" {\n}'), {
      code: 'UnknownBlock',
      message: 'unknown block kind `module`',
      line: 3,
      column: 1,
    });
  });

  it('accepts an empty document', () => {
    expect(loadStr('# nothing here\n')).toMatchObject({ hosts: [], resources: [], files: [], warnings: [] });
  });
});

describe("what a resource records for its kind's rules", () => {
  it('every secret reference, with the top-level attribute that holds it and where it was written', () => {
    const out = loadStr(
      strat(
        'secret "a" { from_env = "A" }',
        'secret "b" { from_env = "B" }',
        'resource "acme_thing" "x" {',
        '  env = {',
        '    P = "x${secret.a.value}y"',
        '    Q = secret.b.value',
        '  }',
        '  plain = "no secret here"',
        '  list = ["a", { deep = secret.a.value }]',
        '  nested {',
        '    inner = secret.b.value',
        '  }',
        '}',
      ),
      { env: { A: 'value-of-a-123', B: 'value-of-b-456' }, file: 'x.strat', baseDir: '/srv/conf' },
    );
    const at = (line: number, column: number) => ({ file: 'x.strat', line, column });
    const source = out.resources.at(-1)?.source;
    expect(source?.dir).toBe('/srv/conf');
    expect(source?.secretRefs).toEqual([
      { attr: 'env', secret: 'a', location: at(5, 13) },
      { attr: 'env', secret: 'b', location: at(6, 9) },
      { attr: 'list', secret: 'a', location: at(9, 25) },
      { attr: 'nested', secret: 'b', location: at(11, 13) },
    ]);
  });

  it('leaves local file attributes to the kinds: `content_file` is not read by the language', () => {
    const out = loadStr(strat('resource "acme_file" "f" {', '  content_file = "nope.txt"', '}'), {
      baseDir: '/nowhere',
    });
    expect(out.resources.at(-1)?.attrs).toEqual({ content_file: 'nope.txt' });
  });
});
