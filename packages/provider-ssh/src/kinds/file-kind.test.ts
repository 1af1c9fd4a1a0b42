import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, shellQuote } from '@stratum/core';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  respondByCommand,
} from '@stratum/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSshFileProbe, sshFileInstallCommand, sshFileRemoveCommand, sshFileSchema } from './file-kind';
import { createSshProvider } from './ssh-provider';

const kind = createSshProvider().kinds.ssh_file!;
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
  const attrs = { host: 'root@h', path: '/etc/motd', content: 'Managed by stratum.\n', mode: '0644' };
  const sha256 = sha256Hex(attrs.content);

  it('create streams the content and stores its sha256, not the content', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install/, '']]));
    const ctx = createTestContext(transport);
    expect(await kind.create({ kind: 'ssh_file', name: 'motd', attrs, raw: {} }, ctx)).toEqual({
      host: 'root@h',
      path: '/etc/motd',
      mode: '0644',
      sha256,
    });
    expect(transport.calls).toMatchObject([
      { command: 'install -m 0644 /dev/stdin /etc/motd', stdin: attrs.content },
    ]);
    expect(ctx.traces()).toEqual(['[ssh] FILE `motd` -> root@h:/etc/motd']);
  });

  it('update skips on a sha256 match and uploads otherwise', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install/, '']]));
    const ctx = createTestContext(transport);
    const prior = { host: 'root@h', path: '/etc/motd', mode: '644', sha256 };
    await kind.update({ kind: 'ssh_file', name: 'motd', attrs, raw: {}, prior }, ctx);
    expect(transport.calls).toEqual([]);
    await kind.update(
      { kind: 'ssh_file', name: 'motd', attrs, raw: {}, prior: { ...prior, sha256: 'old' } },
      ctx,
    );
    expect(transport.calls).toHaveLength(1);
    expect(ctx.traces()).toEqual([
      '[ssh] FILE `motd` on root@h unchanged (sha256 match)',
      '[ssh] FILE `motd` -> root@h:/etc/motd',
    ]);
  });

  it('a failed install is a CommandFailed error naming the path', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install/, { exitCode: 1, stderr: 'install: cannot create regular file\n' }]]),
    );
    await expect(
      kind.create({ kind: 'ssh_file', name: 'motd', attrs, raw: {} }, createTestContext(transport)),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      message:
        'ssh_file.motd: install of /etc/motd failed on root@h (exit 1):\ninstall: cannot create regular file',
    });
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

describe('ssh_file plan view', () => {
  it('compares the content by its sha256, the way state records it', async () => {
    const { sshFileKind } = await import('./file-kind');
    const view = await sshFileKind.planView!(
      { host: 'root@h', path: '/etc/motd', content: 'Managed by stratum.\n', mode: '0644' },
      { kind: 'ssh_file', name: 'motd' },
    );
    expect(view).toEqual({
      host: 'root@h',
      path: '/etc/motd',
      mode: '0644',
      sha256: sha256Hex('Managed by stratum.\n'),
    });
  });
});
