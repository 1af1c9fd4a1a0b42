import { spawnSync } from 'node:child_process';
import { CommandFailedError, type JsonObject, Registry, validateDesired } from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { execCommandLine, type SshExecAttrs, sshExecKind, sshExecSchema } from './exec-kind';
import { createSshProvider } from './ssh-provider';

const provider = createSshProvider();
const kind = sshExecKind;
const HOSTILE = ["it's", '$(touch /tmp/stratum-pwned)', '`id`', 'a b; c', 'new\nline', '$HOME', '"', '\\'];

describe('ssh_exec schema', () => {
  it('takes host and command; env and on_destroy are optional', () => {
    expect(sshExecSchema.parse({ host: 'h', command: 'uptime' })).toEqual({ host: 'h', command: 'uptime' });
  });
  it.each([
    ['an unknown attribute', { host: 'h', command: 'x', timeout: 5 }],
    ['an env key that is not a variable name', { host: 'h', command: 'x', env: { 'A;B': '1' } }],
    ['an env key starting with a digit', { host: 'h', command: 'x', env: { '1A': '1' } }],
    ['a non-string env value', { host: 'h', command: 'x', env: { A: 1 } }],
    ['no command', { host: 'h' }],
  ])('rejects %s', (_what, attrs) => {
    expect(sshExecSchema.safeParse(attrs).success).toBe(false);
  });
});

describe('execCommandLine', () => {
  it('exports sorted keys with quoted values before the command', () => {
    expect(execCommandLine('deploy', { TOKEN: 'abc', APP: "it's" })).toBe(
      `export APP='it'\\''s'; export TOKEN=abc; deploy`,
    );
    expect(execCommandLine('uptime')).toBe('uptime');
  });

  it.each(HOSTILE)('a shell sees exactly the value %j', (value) => {
    const line = execCommandLine(`printf '%s' "$V"`, { V: value });
    const run = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect(run.stdout).toBe(value);
    expect(run.stderr).toBe('');
  });
});

describe('ssh_exec apply', () => {
  it('runs the command and records stdout, stderr and exit_code', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/uptime$/, { stdout: 'up 3 days\n', stderr: 'warn\n' }]]),
    );
    const ctx = createTestContext(transport);
    const attrs: SshExecAttrs = { host: 'root@h', command: 'uptime', env: { LANG: 'C' } };
    const run = await runStep(kind, { action: 'create', kind: 'ssh_exec', name: 'uptime', attrs }, ctx);
    expect(run.recorded).toEqual({ ...attrs, stdout: 'up 3 days\n', stderr: 'warn\n', exit_code: 0 });
    expect(transport.commands()).toEqual(['export LANG=C; uptime']);
    expect(ctx.traces()).toEqual(['[ssh] EXEC `uptime` on root@h']);
  });

  it('update re-runs the command whatever the prior recorded', async () => {
    const transport = createRecordingTransport(respondByCommand([[/uptime$/, 'up\n']]));
    const ctx = createTestContext(transport);
    const attrs: SshExecAttrs = { host: 'root@h', command: 'uptime' };
    const prior = { ...attrs, stdout: 'up\n', stderr: '', exit_code: 0 };
    const run = await runStep(
      kind,
      { action: 'update', kind: 'ssh_exec', name: 'uptime', attrs, prior },
      ctx,
    );
    expect(run.recorded).toEqual(prior);
    expect(transport.commands()).toEqual(['uptime']);
  });

  it('a trigger runs the command again, unless its own update just did', async () => {
    const attrs: SshExecAttrs = { host: 'root@h', command: 'uptime', env: { A: 'b' } };
    const request = { kind: 'ssh_exec', name: 'uptime', attrs, raw: attrs };
    expect(kind.trigger!.verb(attrs)).toBe('re-run');
    const alone = await kind.trigger!.operation({ ...request, alongside: 'none' });
    expect(alone!.commands.map((c) => c.command)).toEqual(['export A=b; uptime']);
    expect(await kind.trigger!.operation({ ...request, alongside: 'update' })).toBeUndefined();
  });

  it('marks every env value sensitive on the command, and nothing else', async () => {
    const operation = await kind.create({
      kind: 'ssh_exec',
      name: 'x',
      attrs: { host: 'h', command: 'true', env: { A: 'alpha-value', B: '1' } },
      raw: {},
    });
    expect(operation.commands.map((c) => c.sensitive)).toEqual([['alpha-value', '1']]);
    const bare = await kind.create({
      kind: 'ssh_exec',
      name: 'x',
      attrs: { host: 'h', command: 'true' },
      raw: {},
    });
    expect(bare.commands.map((c) => c.sensitive)).toEqual([[]]);
  });

  it('a non-zero exit fails with the stderr tail, env values masked, never the command line', async () => {
    const secret = 'ghp_0123456789abcdef';
    const transport = createRecordingTransport(
      respondByCommand([
        [
          /git clone/,
          { exitCode: 128, stderr: `fatal: could not read from https://${secret}@github.com/x\n` },
        ],
      ]),
    );
    const ctx = createTestContext(transport);
    const attrs: SshExecAttrs = {
      host: 'root@h',
      command: 'git clone https://$TOKEN@github.com/x',
      env: { TOKEN: secret },
    };
    const error = await runStep(
      kind,
      { action: 'create', kind: 'ssh_exec', name: 'clone', attrs },
      ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    const message = (error as Error).message;
    expect(message).toBe(
      'ssh_exec.clone: command failed on root@h (exit 128):\nfatal: could not read from https://***@github.com/x',
    );
    expect(message).not.toContain(secret);
    expect(message).not.toContain('export');
    for (const { line } of ctx.lines) expect(line).not.toContain(secret);
    // A failed step prints no trace.
    expect(ctx.traces()).toEqual([]);
  });

  it('delete runs on_destroy, or only traces when there is none', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^rm -rf/, '']]));
    const ctx = createTestContext(transport);
    await runStep(
      kind,
      {
        action: 'delete',
        kind: 'ssh_exec',
        name: 'boot',
        prior: { host: 'h', command: 'mkdir -p /opt/x', on_destroy: 'rm -rf /opt/x' },
      },
      ctx,
    );
    const none = await runStep(
      kind,
      { action: 'delete', kind: 'ssh_exec', name: 'uptime', prior: { host: 'h', command: 'uptime' } },
      ctx,
    );
    expect(none.operation.commands).toEqual([]);
    expect(transport.commands()).toEqual(['rm -rf /opt/x']);
    expect(ctx.traces()).toEqual([
      '[ssh] EXEC `boot` on_destroy on h',
      '[ssh] EXEC `uptime` on h: no on_destroy, nothing to undo',
    ]);
  });

  it('a failing on_destroy fails the delete', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/false/, { exitCode: 1, stderr: 'nope' }]]),
    );
    await expect(
      runStep(
        kind,
        {
          action: 'delete',
          kind: 'ssh_exec',
          name: 'x',
          prior: { host: 'h', command: 'true', on_destroy: 'false' },
        },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      exitCode: 1,
      message: 'ssh_exec.x: on_destroy command failed on h (exit 1):\nnope',
    });
  });

  it('delete refuses a state entry without a host before building anything', () => {
    expect(() => kind.delete({ kind: 'ssh_exec', name: 'x', prior: { command: 'true' } })).toThrow(
      expect.objectContaining({ code: 'InvalidState' }),
    );
  });

  it('read is unknown without touching the host', async () => {
    const transport = createRecordingTransport();
    expect(
      await kind.read!({ kind: 'ssh_exec', name: 'x', prior: { host: 'h' } }, createTestContext(transport)),
    ).toEqual({
      status: 'unknown',
      reason: 'ssh_exec has no readable identity on the host',
    });
    expect(transport.calls).toEqual([]);
  });
});

describe('ssh_exec hooks', () => {
  /** validateDesired's diagnostics for a resource whose `attr` holds a `secret.*` reference. */
  function secretIn(attr: string, attrs: JsonObject) {
    const at = { line: 1, column: 1 };
    const resource = desiredResource('ssh_exec', 'x', attrs, {
      block: at,
      attrs: {},
      secretRefs: [{ attr, secret: 'token', location: at }],
    });
    return validateDesired([resource], new Registry([provider]));
  }
  const attrs = { host: 'h', command: 'deploy', env: { TOKEN: 'plain' }, on_destroy: 'undeploy' };

  it('host is the identity', () => {
    expect(kind.identity).toEqual(['host']);
  });

  it('refuses a secret reference in host', () => {
    expect(secretIn('host', attrs)).toMatchObject([
      {
        code: 'SecretInUnsupportedAttr',
        message: expect.stringContaining('`ssh_exec.host` — it names the resource on its host'),
      },
    ]);
  });

  it.each(['env', 'command', 'on_destroy'])('takes a secret reference in %s', (attr) => {
    expect(secretIn(attr, attrs)).toEqual([]);
  });

  it('claims nothing and keeps no digest', () => {
    expect(kind.claims).toBeUndefined();
    expect(kind.digests).toBeUndefined();
  });
});
