import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, sha256Hex } from '@stratum/core';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  respondByCommand,
} from '@stratum/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { systemFileSchema } from './file-kind';
import { parseFileProbe } from './file-probe';
import { systemSecretFileSchema } from './secret-file-kind';
import { createSystemProvider } from './system-provider';

const SHA = 'a'.repeat(64);
const provider = createSystemProvider();
const fileKind = provider.kinds.system_file!;
const secretKind = provider.kinds.system_secret_file!;

describe('system_file / system_secret_file schemas', () => {
  it('fill the spec defaults', () => {
    expect(systemFileSchema.parse({ host: 'h', path: '/etc/x', content: '' })).toEqual({
      host: 'h',
      path: '/etc/x',
      content: '',
      mode: '0644',
      owner: 'root',
      group: 'root',
    });
    expect(systemSecretFileSchema.parse({ host: 'h', path: '/etc/x', content: 's' }).mode).toBe('0400');
  });

  it.each([
    ['an unknown attribute', { host: 'h', path: '/x', content: '', size: 1 }],
    ['a relative path', { host: 'h', path: 'etc/x', content: '' }],
    ['a non-octal mode', { host: 'h', path: '/x', content: '', mode: '0999' }],
    ['a symbolic mode', { host: 'h', path: '/x', content: '', mode: 'u+rw' }],
    ['an owner with a colon', { host: 'h', path: '/x', content: '', owner: 'a:b' }],
    ['no content', { host: 'h', path: '/x' }],
  ])('reject %s', (_what, attrs) => {
    expect(systemFileSchema.safeParse(attrs).success).toBe(false);
    expect(systemSecretFileSchema.safeParse(attrs).success).toBe(false);
  });

  it('content_file is read into content by config loading, so neither schema takes it', () => {
    expect(
      systemFileSchema.safeParse({ host: 'h', path: '/x', content: '', content_file: 'a' }).success,
    ).toBe(false);
    expect(
      systemSecretFileSchema.safeParse({ host: 'h', path: '/x', content: '', content_file: 'a' }).success,
    ).toBe(false);
  });
});

describe('file probe parser', () => {
  const target = {
    kind: 'system_file',
    host: 'h',
    path: '/etc/x',
    prior: { mode: '0644', owner: 'root', group: 'root' },
  };

  it('MISSING is absent', () => {
    expect(parseFileProbe(target, 'MISSING\n', 0)).toEqual({ status: 'absent' });
  });

  it('normalises the mode to the prior spelling and accepts owners by id', () => {
    expect(parseFileProbe(target, `FILE|644|root|root|0|0|${SHA}\n`, 0)).toEqual({
      status: 'present',
      attrs: { host: 'h', path: '/etc/x', mode: '0644', owner: 'root', group: 'root', sha256: SHA },
    });
    const byId = { ...target, prior: { mode: '644', owner: '1000', group: '1000' } };
    expect(parseFileProbe(byId, `FILE|644|app|app|1000|1000|${SHA}\n`, 0)).toMatchObject({
      attrs: { mode: '644', owner: '1000', group: '1000' },
    });
  });

  it('a different mode or owner is reported in the 4-digit form and by name', () => {
    expect(parseFileProbe(target, `FILE|600|app|staff|1000|50|${SHA}\n`, 0)).toMatchObject({
      attrs: { mode: '0600', owner: 'app', group: 'staff' },
    });
    expect(parseFileProbe(target, `FILE|4755|root|root|0|0|${SHA}\n`, 0)).toMatchObject({
      attrs: { mode: '4755' },
    });
  });

  it.each([
    ['garbage', 'hello\n', 0],
    ['a stat error', "stat: cannot statx '/etc/x': Permission denied\n", 1],
    ['a short hash', 'FILE|644|root|root|0|0|abc\n', 0],
    ['a non-zero exit', `FILE|644|root|root|0|0|${SHA}\n`, 1],
    ['nothing', '', 0],
  ])('%s is unknown', (_what, output, exitCode) => {
    expect(parseFileProbe(target, output, exitCode).status).toBe('unknown');
  });

  it('a secret file never puts the probe output in the reason', () => {
    const observed = parseFileProbe({ ...target, quiet: true }, `secret-ish ${SHA}\n`, 0);
    expect(observed).toEqual({
      status: 'unknown',
      reason: `system_file read of /etc/x on h failed (exit 0): ${`secret-ish ${SHA}\n`.length} bytes of output`,
    });
  });
});

describe('system_file apply (recorded)', () => {
  const attrs = systemFileSchema.parse({ host: 'root@h', path: '/etc/app.conf', content: 'x=1\n' });
  const sha = sha256Hex('x=1\n');

  it('create streams the content on stdin and records content and sha256', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install /, '']]));
    const ctx = createTestContext(transport);
    const state = await fileKind.create({ kind: 'system_file', name: 'app', attrs, raw: {} }, ctx);
    expect(state).toEqual({
      host: 'root@h',
      path: '/etc/app.conf',
      content: 'x=1\n',
      mode: '0644',
      owner: 'root',
      group: 'root',
      sha256: sha,
    });
    expect(transport.calls).toMatchObject([
      {
        host: 'root@h',
        command: 'install -D -m 0644 -o root -g root /dev/stdin /etc/app.conf',
        stdin: 'x=1\n',
      },
    ]);
    expect(ctx.traces()).toEqual([
      '[system] FILE `app` -> root@h:/etc/app.conf (4 bytes, mode=0644 root:root)',
    ]);
  });

  it('update skips the upload when sha256 and permissions match the prior', async () => {
    const transport = createRecordingTransport();
    const ctx = createTestContext(transport);
    const prior = {
      host: 'root@h',
      path: '/etc/app.conf',
      content: 'x=1\n',
      mode: '644',
      owner: 'root',
      group: 'root',
      sha256: sha,
    };
    await fileKind.update({ kind: 'system_file', name: 'app', attrs, raw: {}, prior }, ctx);
    expect(transport.calls).toEqual([]);
    expect(ctx.traces()).toEqual(['[system] FILE `app` -> root@h:/etc/app.conf unchanged (sha256 match)']);
  });

  it('update uploads when only the owner changed', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install /, '']]));
    const prior = {
      host: 'root@h',
      path: '/etc/app.conf',
      mode: '0644',
      owner: 'app',
      group: 'root',
      sha256: sha,
    };
    await fileKind.update(
      { kind: 'system_file', name: 'app', attrs, raw: {}, prior },
      createTestContext(transport),
    );
    expect(transport.calls).toHaveLength(1);
  });

  it('a failed install names the resource, host, path and stderr', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install /, { exitCode: 1, stderr: "install: invalid user 'nobody2'\n" }]]),
    );
    const error = await fileKind
      .create(
        { kind: 'system_file', name: 'app', attrs: { ...attrs, owner: 'nobody2' }, raw: {} },
        createTestContext(transport),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe(
      "system_file.app: install of /etc/app.conf failed on root@h (exit 1):\ninstall: invalid user 'nobody2'",
    );
  });
});

describe('system_secret_file never shows the plaintext or its hash', () => {
  const plaintext = 'hunter2-very-secret-token';
  const attrs = systemSecretFileSchema.parse({ host: 'root@h', path: '/etc/app/token', content: plaintext });
  const digest = sha256Hex(plaintext);

  it('create: content on stdin only; state without content; trace with the byte length only', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install /, '']]));
    const ctx = createTestContext(transport);
    const state = await secretKind.create({ kind: 'system_secret_file', name: 'token', attrs, raw: {} }, ctx);
    expect(state).toEqual({
      host: 'root@h',
      path: '/etc/app/token',
      mode: '0400',
      owner: 'root',
      group: 'root',
      sha256: digest,
    });
    expect(transport.calls[0]!.command).not.toContain(plaintext);
    expect(transport.calls[0]!.stdin).toBe(plaintext);
    expect(ctx.traces()).toEqual([
      `[system] SECRET_FILE \`token\` -> root@h:/etc/app/token (${plaintext.length} bytes, mode=0400 root:root)`,
    ]);
    for (const { line } of ctx.lines) {
      expect(line).not.toContain(plaintext);
      expect(line).not.toContain(digest);
      expect(line).not.toContain(digest.slice(0, 12));
    }
  });

  it('update: unchanged when sha256 and permissions match, re-uploaded when the mode differs', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^install /, '']]));
    const ctx = createTestContext(transport);
    const prior = {
      host: 'root@h',
      path: '/etc/app/token',
      mode: '0400',
      owner: 'root',
      group: 'root',
      sha256: digest,
    };
    await secretKind.update({ kind: 'system_secret_file', name: 'token', attrs, raw: {}, prior }, ctx);
    await secretKind.update(
      { kind: 'system_secret_file', name: 'token', attrs, raw: {}, prior: { ...prior, mode: '0440' } },
      ctx,
    );
    expect(transport.calls).toHaveLength(1);
    expect(ctx.traces()[0]).toBe(
      '[system] SECRET_FILE `token` -> root@h:/etc/app/token unchanged (sha256 + perms match)',
    );
    for (const { line } of ctx.lines) {
      expect(line).not.toContain(plaintext);
      expect(line).not.toContain(digest);
    }
  });

  it('a failed upload error does not carry the plaintext', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install /, { exitCode: 1, stderr: 'install: no space left\n' }]]),
    );
    const error = (await secretKind
      .create({ kind: 'system_secret_file', name: 'token', attrs, raw: {} }, createTestContext(transport))
      .catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain(plaintext);
    expect(error.message).not.toContain(digest);
  });
});

describe('file probe against a real shell (this machine, temp dir only)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-file-probe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const transport = createLocalShellTransport();
  const me = userInfo();

  it('reports mode, owner, group and sha256 of a file, and absent for a missing one', async () => {
    const path = join(dir, "it's $(odd) name");
    writeFileSync(path, 'hello\n');
    chmodSync(path, 0o640);
    const prior = {
      host: 'local',
      path,
      mode: '0640',
      owner: me.username,
      group: String(me.gid),
      sha256: 'x',
    };
    const probe = fileKind.probe!({ kind: 'system_file', name: 'f', prior });
    expect(await runProbe(transport, probe)).toEqual({
      status: 'present',
      attrs: {
        host: 'local',
        path,
        mode: '0640',
        owner: me.username,
        group: String(me.gid),
        sha256: sha256Hex('hello\n'),
      },
    });
    const missing = fileKind.probe!({
      kind: 'system_file',
      name: 'f',
      prior: { ...prior, path: join(dir, 'nope') },
    });
    expect(await runProbe(transport, missing)).toEqual({ status: 'absent' });
  });

  it('a directory where the file should be is unknown, not absent', async () => {
    const probe = fileKind.probe!({ kind: 'system_file', name: 'f', prior: { host: 'local', path: dir } });
    expect((await runProbe(transport, probe)).status).toBe('unknown');
  });
});
