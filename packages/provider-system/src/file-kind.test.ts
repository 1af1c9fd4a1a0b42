import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { checkClaims, digestedAttrs, type KindHandler, Registry, validateDesired } from '@stratum/core';
import { CommandFailedError, sha256Hex } from '@stratum/core/kit';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
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

  it('content_file is read into content by system_file’s prepare, so neither schema takes it', () => {
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
    const run = await runStep(fileKind, { action: 'create', kind: 'system_file', name: 'app', attrs }, ctx);
    expect(run.recorded).toEqual({
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
        command: 'install -D -T -m 0644 -o root -g root /dev/stdin /etc/app.conf',
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
    const run = await runStep(
      fileKind,
      { action: 'update', kind: 'system_file', name: 'app', attrs, prior },
      ctx,
    );
    expect(run.operation.commands).toEqual([]);
    expect(run.recorded).toMatchObject({ content: 'x=1\n', mode: '0644', sha256: sha });
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
    await runStep(
      fileKind,
      { action: 'update', kind: 'system_file', name: 'app', attrs, prior },
      createTestContext(transport),
    );
    expect(transport.calls).toHaveLength(1);
  });

  it('a failed install names the resource, host, path and stderr', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install /, { exitCode: 1, stderr: "install: invalid user 'nobody2'\n" }]]),
    );
    const ctx = createTestContext(transport);
    const error = await runStep(
      fileKind,
      { action: 'create', kind: 'system_file', name: 'app', attrs: { ...attrs, owner: 'nobody2' } },
      ctx,
    ).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      "system_file.app: install of /etc/app.conf failed on root@h (exit 1):\ninstall: invalid user 'nobody2'",
    );
    expect(ctx.traces()).toEqual([]);
  });

  it('delete removes the path the state recorded; a failure fails the step', async () => {
    const prior = { host: 'root@h', path: '/etc/app.conf' };
    const ok = createRecordingTransport(respondByCommand([[/^rm -f/, '']]));
    await runStep(
      fileKind,
      { action: 'delete', kind: 'system_file', name: 'app', prior },
      createTestContext(ok),
    );
    expect(ok.calls).toMatchObject([{ host: 'root@h', command: 'rm -f -- /etc/app.conf' }]);
    const failing = createRecordingTransport(
      respondByCommand([[/^rm -f/, { exitCode: 1, stderr: 'rm: cannot remove: Read-only file system\n' }]]),
    );
    await expect(
      runStep(
        fileKind,
        { action: 'delete', kind: 'system_file', name: 'app', prior },
        createTestContext(failing),
      ),
    ).rejects.toMatchObject({
      message:
        'system_file.app: removal of /etc/app.conf failed on root@h (exit 1):\nrm: cannot remove: Read-only file system',
    });
  });

  it.each([
    ['host', { path: '/etc/app.conf' }],
    ['path', { host: 'root@h' }],
  ])('delete refuses a state entry without a %s', (field, prior) => {
    expect(() => fileKind.delete({ kind: 'system_file', name: 'app', prior })).toThrow(
      `system_file.app: the state entry has no ${field}`,
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
    const run = await runStep(
      secretKind,
      { action: 'create', kind: 'system_secret_file', name: 'token', attrs },
      ctx,
    );
    expect(run.recorded).toEqual({
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
    await runStep(
      secretKind,
      { action: 'update', kind: 'system_secret_file', name: 'token', attrs, prior },
      ctx,
    );
    await runStep(
      secretKind,
      {
        action: 'update',
        kind: 'system_secret_file',
        name: 'token',
        attrs,
        prior: { ...prior, mode: '0440' },
      },
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
    const error = (await runStep(
      secretKind,
      { action: 'create', kind: 'system_secret_file', name: 'token', attrs },
      createTestContext(transport),
    ).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'system_secret_file.token: install of /etc/app/token failed on root@h (exit 1):\ninstall: no space left',
    );
    expect(error.message).not.toContain(plaintext);
    expect(error.message).not.toContain(digest);
  });

  it('a host that echoes the content back has it masked in the error', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^install /, { exitCode: 1, stderr: `install: bad input: ${plaintext}\n` }]]),
    );
    const error = (await runStep(
      secretKind,
      { action: 'create', kind: 'system_secret_file', name: 'token', attrs },
      createTestContext(transport),
    ).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('install: bad input: ***');
    expect(error.message).not.toContain(plaintext);
  });

  it('delete removes the file; a failure is a warning', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^rm -f/, { exitCode: 1, stderr: 'rm: cannot remove: Permission denied\n' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      secretKind,
      {
        action: 'delete',
        kind: 'system_secret_file',
        name: 'token',
        prior: { host: 'root@h', path: '/etc/app/token' },
      },
      ctx,
    );
    expect(transport.commands()).toEqual(['rm -f -- /etc/app/token']);
    expect(ctx.warnings()).toEqual([
      'system_secret_file.token: removing /etc/app/token on root@h failed (exit 1); ignored: rm: cannot remove: Permission denied',
    ]);
  });
});

describe('system_file / system_secret_file hooks', () => {
  const registry = new Registry([createSystemProvider()]);
  const at = { line: 3, column: 3 };
  const file = { host: 'root@h', path: '/etc/app.conf', content: 'x=1\n' };
  const withSecretIn = (kind: string, attr: string) =>
    validateDesired(
      [
        desiredResource(kind, 'f', file, {
          block: at,
          attrs: {},
          secretRefs: [{ attr, secret: 's', location: at }],
        }),
      ],
      registry,
    );

  it('host and path are the identity of both', () => {
    expect(fileKind.identity).toEqual(['host', 'path']);
    expect(secretKind.identity).toEqual(['host', 'path']);
  });

  it('system_file takes no secret reference anywhere, and says where secrets go', () => {
    for (const attr of ['content', 'mode', 'owner']) {
      const [diagnostic, ...rest] = withSecretIn('system_file', attr);
      expect(rest).toEqual([]);
      expect(diagnostic).toMatchObject({
        code: 'SecretInUnsupportedAttr',
        location: at,
        hint: 'for a file whose whole content is a secret, use `system_secret_file` with `content = secret.<name>.value`',
      });
    }
    expect(withSecretIn('system_file', 'path').map((d) => d.code)).toEqual(['SecretInUnsupportedAttr']);
  });

  it('system_secret_file takes a secret reference in content only; its content is secret however written', () => {
    expect(withSecretIn('system_secret_file', 'content')).toEqual([]);
    for (const attr of ['host', 'path', 'owner', 'mode']) {
      expect(withSecretIn('system_secret_file', attr).map((d) => d.code)).toEqual([
        'SecretInUnsupportedAttr',
      ]);
    }
    expect(secretKind.secrets?.attrs).toEqual(['content']);
  });

  it('a secret file is planned by the sha256 of its content, the way state records it', () => {
    const parsed = systemSecretFileSchema.parse(file) as unknown as Record<string, string>;
    expect(digestedAttrs(secretKind as KindHandler<unknown>, parsed)).toEqual({
      host: 'root@h',
      path: '/etc/app.conf',
      mode: '0400',
      owner: 'root',
      group: 'root',
      sha256: sha256Hex('x=1\n'),
    });
    expect(digestedAttrs(secretKind as KindHandler<unknown>, { ...parsed, content: '' })).toMatchObject({
      sha256: sha256Hex(''),
    });
  });

  it('a system_file keeps its content in the plan: no digest, no plan view', () => {
    expect(fileKind.digests).toBeUndefined();
    expect(fileKind.planView).toBeUndefined();
    expect(digestedAttrs(fileKind as KindHandler<unknown>, file)).toBe(file);
  });

  it('both claim their path on their host', () => {
    expect(fileKind.claims!({ kind: 'system_file', name: 'f', attrs: systemFileSchema.parse(file) })).toEqual(
      {
        host: 'root@h',
        claims: [{ type: 'name', space: 'file path', value: '/etc/app.conf' }],
      },
    );
    expect(
      secretKind.claims!({
        kind: 'system_secret_file',
        name: 'f',
        attrs: systemSecretFileSchema.parse(file),
      }),
    ).toEqual({ host: 'root@h', claims: [{ type: 'name', space: 'file path', value: '/etc/app.conf' }] });
  });

  it('a file and a secret file on one path of one host clash; elsewhere they do not', () => {
    expect(() =>
      checkClaims(
        [desiredResource('system_file', 'a', file), desiredResource('system_secret_file', 'b', file)],
        registry,
      ),
    ).toThrow(
      'file path conflict on host `root@h`: `system_file.a` and `system_secret_file.b` both use file path `/etc/app.conf`',
    );
    expect(
      checkClaims(
        [
          desiredResource('system_file', 'a', file),
          desiredResource('system_file', 'b', { ...file, host: 'root@other' }),
          desiredResource('system_secret_file', 'c', { ...file, path: '/etc/other' }),
        ],
        registry,
      ),
    ).toEqual([]);
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

describe('system_file steps written together', () => {
  const attrsOf = (content: string) =>
    systemFileSchema.parse({ host: 'root@h', path: '/etc/app.conf', content });

  it('a small file names the tar writer; one over 64 KiB goes by its own install only', async () => {
    const small = await fileKind.create({ kind: 'system_file', name: 'a', attrs: attrsOf('x\n'), raw: {} });
    expect(small.vector?.writer.id).toBe('stratum:file-tar-install');
    expect(small.vector?.arg).toEqual({
      path: '/etc/app.conf',
      mode: '0644',
      owner: 'root',
      group: 'root',
      content: 'x\n',
    });
    const big = await fileKind.create({
      kind: 'system_file',
      name: 'b',
      attrs: attrsOf('y'.repeat(64 * 1024 + 1)),
      raw: {},
    });
    expect(big.vector).toBeUndefined();
    // An unchanged file has nothing to write, together or alone.
    const same = await fileKind.update({
      kind: 'system_file',
      name: 'a',
      attrs: attrsOf('x\n'),
      raw: {},
      prior: {
        host: 'root@h',
        path: '/etc/app.conf',
        mode: '0644',
        owner: 'root',
        group: 'root',
        sha256: sha256Hex('x\n'),
      },
    });
    expect(same.vector).toBeUndefined();
    expect(same.commands).toEqual([]);
  });
});
