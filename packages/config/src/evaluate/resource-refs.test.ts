// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { format } from '../format';
import { loadStr } from '../load';

const HOSTS = strat(
  'host "a" { addr = "root@192.0.2.1" }',
  'host "b" { addr = "root@192.0.2.2" }',
  'group "web" { hosts = [host.a, host.b] }',
  'secret "pg" { from_env = "PG" }',
);

function load(body: string) {
  return loadStr(HOSTS + body, { env: { PG: 'a-long-secret-value' }, file: 'refs.strat' });
}
const byAddr = (body: string, addr: string) =>
  load(body).resources.find((r) => `${r.addr.kind}.${r.addr.name}` === addr);

describe('references between resources', () => {
  it('substitutes an attribute written in the producer, declared before or after the consumer', () => {
    const body = strat(
      'resource "ssh_exec" "use" {',
      '  host = host.a.addr',
      '  command = "cat ${system_file.conf.path}"',
      '  mode = system_file.conf.mode',
      '}',
      'resource "system_file" "conf" {',
      '  host = host.a.addr',
      '  path = "/etc/app/${system_dir.base.name}.conf"',
      '  mode = "0640"',
      '  content = "x"',
      '}',
      'resource "system_dir" "base" {',
      '  host = host.a.addr',
      '  name = "app"',
      '}',
    );
    const use = byAddr(body, 'ssh_exec.use')!;
    expect(use.attrs).toMatchObject({ command: 'cat /etc/app/app.conf', mode: '0640' });
    // Declaration order is kept, though `use` needed `conf` evaluated first.
    expect(
      load(body)
        .resources.filter((r) => !r.addr.name.startsWith('_'))
        .map((r) => r.addr.name),
    ).toEqual(['use', 'conf', 'base']);
    // Each reference is an ordering edge, recorded with its attribute and place.
    expect(use.source?.refs).toEqual([
      {
        attr: 'command',
        target: 'system_file.conf',
        location: expect.objectContaining({ line: 7, column: 20 }),
      },
      {
        attr: 'mode',
        target: 'system_file.conf',
        location: expect.objectContaining({ line: 8, column: 10 }),
      },
    ]);
    expect(byAddr(body, 'system_file.conf')!.source?.refs).toEqual([
      expect.objectContaining({ attr: 'path', target: 'system_dir.base' }),
    ]);
  });

  it('walks into map attributes and reads one instance of a for_each resource by key', () => {
    const body = strat(
      'resource "system_user" "deploy" {',
      '  for_each = group.web',
      '  host = each.value',
      '  name = "deploy-${each.key}"',
      '  meta = { shell = "/bin/sh" }',
      '}',
      'resource "ssh_exec" "who" {',
      '  host = host.a.addr',
      '  command = system_user.deploy["b"].name',
      '  shell = system_user.deploy["a"].meta.shell',
      '}',
    );
    const who = byAddr(body, 'ssh_exec.who')!;
    expect(who.attrs).toMatchObject({ command: 'deploy-b', shell: '/bin/sh' });
    expect(who.source?.refs?.map((r) => r.target)).toEqual([
      'system_user.deploy["b"]',
      'system_user.deploy["a"]',
    ]);
  });

  it('carries a secret over: the consumer attribute counts as holding it', () => {
    const body = strat(
      'resource "system_secret_file" "pw" {',
      '  host = host.a.addr',
      '  path = "/etc/pw"',
      '  content = secret.pg.value',
      '}',
      'resource "ssh_exec" "leak" {',
      '  host = host.a.addr',
      '  command = system_secret_file.pw.content',
      '}',
    );
    const leak = byAddr(body, 'ssh_exec.leak')!;
    expect(leak.source?.secretRefs).toEqual([
      { attr: 'command', secret: 'pg', location: expect.objectContaining({ line: 12, column: 13 }) },
    ]);
  });

  it('makes an attribute the block does not write a known-after-apply marker, for validation to judge', () => {
    const body = strat(
      'resource "docker_image" "app" {',
      '  host = host.a.addr',
      '  tag = "app:1"',
      '}',
      'resource "ssh_exec" "run" {',
      '  host = host.a.addr',
      '  command = "docker run ${docker_image.app.image_id}"',
      '  env = { IMAGE = docker_image.app.image_id }',
      '}',
    );
    const run = byAddr(body, 'ssh_exec.run')!;
    expect(run.attrs).toMatchObject({
      command: 'docker run <known-after-apply:docker_image.app.image_id>',
      env: { IMAGE: '<known-after-apply:docker_image.app.image_id>' },
    });
    // The site says which attribute was read, so `validate` can check the kind computes it.
    expect(run.source?.refs).toEqual([
      {
        attr: 'command',
        target: 'docker_image.app',
        output: 'image_id',
        location: expect.objectContaining({ file: 'refs.strat', line: 11, column: 27 }),
      },
      {
        attr: 'env',
        target: 'docker_image.app',
        output: 'image_id',
        location: expect.objectContaining({ line: 12, column: 19 }),
      },
    ]);
  });

  it('refuses a field of an attribute the block does not write: a computed value is a string', () => {
    const body = strat(
      'resource "docker_image" "app" {',
      '  host = host.a.addr',
      '  tag = "app:1"',
      '}',
      'resource "ssh_exec" "run" {',
      '  host = host.a.addr',
      '  command = docker_image.app.image_id.short',
      '}',
    );
    const err = expectConfigError(() => load(body), {
      code: 'UnknownResourceAttribute',
      message:
        'resource `docker_image.app` sets no attribute `image_id`, so `docker_image.app.image_id.short` cannot read a field of it',
      file: 'refs.strat',
      line: 11,
      column: 13,
    });
    expect(err.hint).toContain('`host`, `tag`');
  });

  it.each([
    [
      'system_file.nope.path',
      'UnknownResource',
      'unknown resource `system_file.nope` in reference `system_file.nope.path`',
    ],
    [
      'system_file.conf',
      'RefTooShort',
      'reference `system_file.conf` too short — name an attribute of the resource',
    ],
    ['system_file.conf.path.x', 'UnknownResourceAttribute', /has no field `x`/],
    ['system_file.conf["a"].path', 'UnexpectedInstanceKey', /has no for_each/],
    ['system_user.u.name', 'MissingInstanceKey', /must name one instance/],
    [
      'system_user.u["c"].name',
      'UnknownInstanceKey',
      'resource `system_user.u` has no instance `"c"` (in reference `system_user.u["c"].name`)',
    ],
  ] as const)('%s is %s at the reference', (ref, code, message) => {
    const body = strat(
      'resource "system_file" "conf" {',
      '  host = host.a.addr',
      '  path = "/etc/x"',
      '}',
      'resource "system_user" "u" {',
      '  for_each = group.web',
      '  host = each.value',
      '  name = each.key',
      '}',
      'resource "ssh_exec" "x" {',
      '  host = host.a.addr',
      `  command = ${ref}`,
      '}',
    );
    expectConfigError(() => load(body), { code, message, line: 16, column: 13 });
  });

  it('a reference cycle is an error at the reference that closes it, with the path', () => {
    const body = strat(
      'resource "ssh_exec" "one" {',
      '  host = host.a.addr',
      '  command = ssh_exec.two.command',
      '}',
      'resource "ssh_exec" "two" {',
      '  host = host.a.addr',
      '  command = "echo ${ssh_exec.one.command}"',
      '}',
    );
    expectConfigError(() => load(body), {
      code: 'ReferenceCycle',
      message: 'reference cycle: `ssh_exec.one` -> `ssh_exec.two` -> `ssh_exec.one`',
      line: 11,
      column: 21,
    });
    expectConfigError(() => load(strat('resource "ssh_exec" "me" {', '  command = ssh_exec.me.host', '}')), {
      code: 'ReferenceCycle',
      message: 'reference cycle: `ssh_exec.me` -> `ssh_exec.me`',
    });
  });

  it('is refused outside resource bodies', () => {
    expectConfigError(
      () =>
        load(
          strat(
            'provider "docker" { socket = system_file.conf.path }',
            'resource "system_file" "conf" {',
            '  path = "/x"',
            '}',
          ),
        ),
      {
        code: 'UnknownRefRoot',
        message: 'resource reference `system_file.conf.path` is only allowed in a resource body',
      },
    );
  });

  it('fmt keeps an instance key as written', () => {
    const source = strat('resource "ssh_exec" "x" {', '  command = system_user.deploy["web 1"].name', '}');
    expect(format(source)).toBe(source);
  });
});
