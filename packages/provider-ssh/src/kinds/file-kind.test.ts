import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkClaims,
  digestedAttrs,
  type JsonObject,
  type KindHandler,
  type Provider,
  Registry,
  validateDesired,
} from '@stratum/core';
import { absolutePathSchema, hostSchema, sha256Hex, shellQuote } from '@stratum/core/kit';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  parseSshFileProbe,
  type SshFileAttrs,
  sshFileInstallCommand,
  sshFileKind,
  sshFileRemoveCommand,
  sshFileSchema,
} from './file-kind';
import { createSshProvider } from './ssh-provider';

const provider = createSshProvider();
const kind = sshFileKind;
const SHA = 'f'.repeat(64);

describe('ssh_file schema', () => {
  it('defaults mode to 0644 and rejects unknown attributes', () => {
    expect(sshFileSchema.parse({ host: 'h', path: '/etc/motd', content: 'hi' })).toEqual({
      host: 'h',
      path: '/etc/motd',
      content: 'hi',
      mode: '0644',
    });
    expect(
      sshFileSchema.safeParse({ host: 'h', path: '/etc/motd', content: 'hi', owner: 'root' }).success,
    ).toBe(false);
    expect(sshFileSchema.safeParse({ host: 'h', path: 'motd', content: 'hi' }).success).toBe(false);
    expect(sshFileSchema.safeParse({ host: 'h', path: '/m', content: 'hi', mode: 'rw' }).success).toBe(false);
  });
});

describe('ssh_file commands', () => {
  it('quote the path', () => {
    const path = "/tmp/it's $(x)";
    expect(sshFileInstallCommand(path, '0600')).toBe(`install -m 0600 /dev/stdin ${shellQuote(path)}`);
    expect(sshFileRemoveCommand(path)).toBe(`rm -f -- ${shellQuote(path)}`);
  });
});

describe('ssh_file probe parser', () => {
  const target = { host: 'h', path: '/etc/motd', priorMode: '0644' };
  it('MISSING is absent; <mode>|<sha256> is present with the mode normalised', () => {
    expect(parseSshFileProbe(target, 'MISSING\n', 0)).toEqual({ status: 'absent' });
    expect(parseSshFileProbe(target, `644|${SHA}\n`, 0)).toEqual({
      status: 'present',
      attrs: { host: 'h', path: '/etc/motd', mode: '0644', sha256: SHA },
    });
    expect(parseSshFileProbe(target, `600|${SHA}\n`, 0)).toMatchObject({ attrs: { mode: '0600' } });
  });
  it.each([
    ['garbage\n', 0],
    [`644|${SHA}\n`, 1],
    ['644|abc\n', 0],
    ['', 0],
  ])('%j (exit %d) is unknown', (output, exitCode) => {
    expect(parseSshFileProbe(target, output, exitCode).status).toBe('unknown');
  });
});

describe('ssh_file apply (recorded)', () => {
  const attrs: SshFileAttrs = {
    host: 'root@h',
    path: '/etc/motd',
    content: 'Managed by stratum.\n',
    mode: '0644',
  };
  const sha256 = sha256Hex(attrs.content);

  it('create streams the content and stores its sha256, not the content', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install/, '']]));
    const ctx = createTestContext(transport);
    const run = await runStep(kind, { action: 'create', kind: 'ssh_file', name: 'motd', attrs }, ctx);
    expect(run.recorded).toEqual({ host: 'root@h', path: '/etc/motd', mode: '0644', sha256 });
    expect(transport.calls).toMatchObject([
      { command: 'install -m 0644 /dev/stdin /etc/motd', stdin: attrs.content },
    ]);
    expect(ctx.traces()).toEqual(['[ssh] FILE `motd` -> root@h:/etc/motd']);
  });

  it('update skips on a sha256 match and uploads otherwise', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install/, '']]));
    const ctx = createTestContext(transport);
    const prior = { host: 'root@h', path: '/etc/motd', mode: '644', sha256 };
    const same = await runStep(kind, { action: 'update', kind: 'ssh_file', name: 'motd', attrs, prior }, ctx);
    expect(same.operation.commands).toEqual([]);
    expect(same.recorded).toEqual({ host: 'root@h', path: '/etc/motd', mode: '0644', sha256 });
    expect(transport.calls).toEqual([]);
    await runStep(
      kind,
      { action: 'update', kind: 'ssh_file', name: 'motd', attrs, prior: { ...prior, sha256: 'old' } },
      ctx,
    );
    expect(transport.calls).toHaveLength(1);
    expect(ctx.traces()).toEqual([
      '[ssh] FILE `motd` on root@h unchanged (sha256 match)',
      '[ssh] FILE `motd` -> root@h:/etc/motd',
    ]);
  });

  it.each([
    ['the mode', { mode: '0600' }],
    ['the path', { path: '/etc/issue' }],
    ['the host', { host: 'root@other' }],
    ['a prior without a mode', { mode: undefined }],
  ])('update uploads when %s changed', async (_what, change) => {
    const prior = { host: 'root@h', path: '/etc/motd', mode: '0644', sha256, ...change };
    const operation = await kind.update({
      kind: 'ssh_file',
      name: 'motd',
      attrs,
      raw: {},
      prior: JSON.parse(JSON.stringify(prior)) as JsonObject,
    });
    expect(operation.commands.map((c) => c.command)).toEqual(['install -m 0644 /dev/stdin /etc/motd']);
  });

  it('a failed install is a CommandFailed error naming the path', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install/, { exitCode: 1, stderr: 'install: cannot create regular file\n' }]]),
    );
    await expect(
      runStep(
        kind,
        { action: 'create', kind: 'ssh_file', name: 'motd', attrs },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      message:
        'ssh_file.motd: install of /etc/motd failed on root@h (exit 1):\ninstall: cannot create regular file',
    });
  });

  it('delete removes the path the state recorded', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^rm -f/, '']]));
    await runStep(
      kind,
      { action: 'delete', kind: 'ssh_file', name: 'motd', prior: { host: 'root@h', path: '/etc/motd' } },
      createTestContext(transport),
    );
    expect(transport.calls).toMatchObject([{ host: 'root@h', command: 'rm -f -- /etc/motd' }]);
  });

  it('a failed removal is a CommandFailed error naming the path', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^rm -f/, { exitCode: 1, stderr: 'rm: cannot remove: Permission denied\n' }]]),
    );
    await expect(
      runStep(
        kind,
        { action: 'delete', kind: 'ssh_file', name: 'motd', prior: { host: 'root@h', path: '/etc/motd' } },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({
      message:
        'ssh_file.motd: removal of /etc/motd failed on root@h (exit 1):\nrm: cannot remove: Permission denied',
    });
  });

  it.each([
    ['host', { path: '/etc/motd' }],
    ['path', { host: 'root@h' }],
  ])('delete refuses a state entry without a %s', (field, prior) => {
    expect(() => kind.delete({ kind: 'ssh_file', name: 'motd', prior })).toThrow(
      `ssh_file.motd: the state entry has no ${field}`,
    );
  });
});

describe('ssh_file probe against a real shell (this machine, temp dir only)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-ssh-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('agrees with the parser', async () => {
    const transport = createLocalShellTransport();
    const path = join(dir, "motd 'x'");
    writeFileSync(path, 'hello');
    chmodSync(path, 0o600);
    const probe = kind.probe!({
      kind: 'ssh_file',
      name: 'm',
      prior: { host: 'local', path, mode: '600', sha256: 'x' },
    });
    const run = await transport.exec('local', `( eval ${shellQuote(probe.script)} ) </dev/null 2>&1`);
    expect(probe.parse(run.stdout, run.exitCode)).toEqual({
      status: 'present',
      attrs: { host: 'local', path, mode: '600', sha256: sha256Hex('hello') },
    });
    rmSync(path);
    const again = await transport.exec('local', `( eval ${shellQuote(probe.script)} ) </dev/null 2>&1`);
    expect(probe.parse(again.stdout, again.exitCode)).toEqual({ status: 'absent' });
  });
});

describe('ssh_file hooks', () => {
  const attrs = { host: 'root@h', path: '/etc/motd', content: 'Managed by stratum.\n', mode: '0644' };

  it('host and path are the identity; a secret reference there is refused, in content it is not', () => {
    expect(kind.identity).toEqual(['host', 'path']);
    const at = { line: 1, column: 1 };
    const withSecretIn = (attr: string) =>
      validateDesired(
        [
          desiredResource('ssh_file', 'motd', attrs, {
            block: at,
            attrs: {},
            secretRefs: [{ attr, secret: 's', location: at }],
          }),
        ],
        new Registry([provider]),
      ).map((d) => d.code);
    expect(withSecretIn('host')).toEqual(['SecretInUnsupportedAttr']);
    expect(withSecretIn('path')).toEqual(['SecretInUnsupportedAttr']);
    expect(withSecretIn('content')).toEqual([]);
  });

  it('the plan compares the content by its sha256, the way state records it', () => {
    expect(kind.planView).toBeUndefined();
    expect(digestedAttrs(kind as KindHandler<unknown>, attrs)).toEqual({
      host: 'root@h',
      path: '/etc/motd',
      mode: '0644',
      sha256: sha256Hex('Managed by stratum.\n'),
    });
  });

  it('an empty content has a digest too', () => {
    expect(digestedAttrs(kind as KindHandler<unknown>, { ...attrs, content: '' })).toMatchObject({
      sha256: sha256Hex(''),
    });
  });

  it('claims its path on its host', () => {
    expect(kind.claims!({ kind: 'ssh_file', name: 'motd', attrs: sshFileSchema.parse(attrs) })).toEqual({
      host: 'root@h',
      claims: [{ type: 'name', space: 'file path', value: '/etc/motd' }],
    });
  });

  /** A stand-in for system_file: the provider-system kind claims the same space. */
  const systemLike: Provider = {
    name: 'system',
    kinds: {
      system_file: {
        schema: z.object({ host: hostSchema, path: absolutePathSchema }),
        claims: ({ attrs }: { attrs: { host: string; path: string } }) => ({
          host: attrs.host,
          claims: [{ type: 'name', space: 'file path', value: attrs.path }],
        }),
        create: () => ({ host: '', commands: [] }),
        update: () => ({ host: '', commands: [] }),
        delete: () => ({ host: '', commands: [] }),
      } as KindHandler<{ host: string; path: string }>,
    },
  };
  const registry = new Registry([provider, systemLike]);

  it('two ssh_files on one path of one host clash; on other hosts or paths they do not', () => {
    const a = desiredResource('ssh_file', 'a', attrs);
    expect(() => checkClaims([a, desiredResource('ssh_file', 'b', attrs)], registry)).toThrow(
      'file path conflict on host `root@h`: `ssh_file.a` and `ssh_file.b` both use file path `/etc/motd`',
    );
    expect(
      checkClaims(
        [
          a,
          desiredResource('ssh_file', 'b', { ...attrs, host: 'root@other' }),
          desiredResource('ssh_file', 'c', { ...attrs, path: '/etc/issue' }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('an ssh_file and a system_file on one path clash', () => {
    expect(() =>
      checkClaims(
        [
          desiredResource('ssh_file', 'a', attrs),
          desiredResource('system_file', 'b', { host: 'root@h', path: '/etc/motd' }),
        ],
        registry,
      ),
    ).toThrow(expect.objectContaining({ code: 'NameConflict' }));
  });
});
