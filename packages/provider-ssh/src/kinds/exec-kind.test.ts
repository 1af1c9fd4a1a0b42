import { spawnSync } from 'node:child_process';
import { CommandFailedError } from '@stratum/core';
import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { execCommandLine, scrubEnvValues, sshExecSchema } from './exec-kind';
import { createSshProvider } from './ssh-provider';

const kind = createSshProvider().kinds.ssh_exec!;
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

describe('scrubEnvValues', () => {
  it('replaces env values, longest first, and leaves short ones alone', () => {
    expect(
      scrubEnvValues('auth ghp_secret123 for ghp_secret123x ok 1', {
        A: 'ghp_secret123',
        B: 'ghp_secret123x',
        C: '1',
      }),
    ).toBe('auth <env:A> for <env:B> ok 1');
  });
});

describe('ssh_exec apply', () => {
  it('runs the command and records stdout, stderr and exit_code', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/uptime$/, { stdout: 'up 3 days\n', stderr: 'warn\n' }]]),
    );
    const ctx = createTestContext(transport);
    const attrs = { host: 'root@h', command: 'uptime', env: { LANG: 'C' } };
    expect(await kind.create({ kind: 'ssh_exec', name: 'uptime', attrs, raw: {} }, ctx)).toEqual({
      ...attrs,
      stdout: 'up 3 days\n',
      stderr: 'warn\n',
      exit_code: 0,
    });
    expect(transport.commands()).toEqual(['export LANG=C; uptime']);
    expect(ctx.traces()).toEqual(['[ssh] EXEC `uptime` on root@h']);
  });

  it('a non-zero exit fails with the stderr tail, never the command line or env values', async () => {
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
    const attrs = {
      host: 'root@h',
      command: 'git clone https://$TOKEN@github.com/x',
      env: { TOKEN: secret },
    };
    const error = await kind
      .create({ kind: 'ssh_exec', name: 'clone', attrs, raw: {} }, ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    const message = (error as Error).message;
    expect(message).toBe(
      'ssh_exec.clone: command failed on root@h (exit 128):\nfatal: could not read from https://<env:TOKEN>@github.com/x',
    );
    expect(message).not.toContain(secret);
    expect(message).not.toContain('export');
    for (const { line } of ctx.lines) expect(line).not.toContain(secret);
  });

  it('delete runs on_destroy, or only logs when there is none', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^rm -rf/, '']]));
    const ctx = createTestContext(transport);
    await kind.delete(
      {
        kind: 'ssh_exec',
        name: 'boot',
        prior: { host: 'h', command: 'mkdir -p /opt/x', on_destroy: 'rm -rf /opt/x' },
      },
      ctx,
    );
    await kind.delete({ kind: 'ssh_exec', name: 'uptime', prior: { host: 'h', command: 'uptime' } }, ctx);
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
      kind.delete(
        { kind: 'ssh_exec', name: 'x', prior: { host: 'h', command: 'true', on_destroy: 'false' } },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({ code: 'CommandFailed', exitCode: 1 });
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
