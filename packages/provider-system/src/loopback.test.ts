/**
 * Real-host tests: every file-like system kind through the real pooled ssh2
 * transport against the loopback sshd. The loopback host IS this machine, so
 * everything stays under one temp dir.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@stratum/core';
import { sha256Hex } from '@stratum/core/kit';
import { createTestContext } from '@stratum/core/test';
import { createSshTransport, type SshTransport } from '@stratum/provider-ssh';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepsOf } from './__tests__/steps';
import { manifestDigest } from './dir-manifest';
import { createSystemProvider } from './system-provider';

let sshd: LoopbackSshd;
let transport: SshTransport;
const root = mkdtempSync(join(tmpdir(), 'stratum-system-loopback-'));
const provider = createSystemProvider();

beforeAll(async () => {
  sshd = await startLoopbackSshd();
  transport = createSshTransport(sshd.transportOptions);
});

afterAll(async () => {
  await transport?.close();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

function ctx() {
  return createTestContext(transport);
}

const { create, update, remove, drift } = stepsOf(provider, ctx);

const NO_DRIFT = { changes: [], missing: false };

describe('system_file on a real host', () => {
  it('create → read → update → read → hand-made drift → delete', async () => {
    const path = join(root, 'etc', "app's config", 'app.conf');
    const host = sshd.addr;
    const c = ctx();
    const s1 = await create('system_file', 'app', { host, path, content: 'port = 80\n' }, c);
    expect(readFileSync(path, 'utf8')).toBe('port = 80\n');
    expect(statSync(path).mode & 0o7777).toBe(0o644);
    expect(c.traces()).toEqual([`[system] FILE \`app\` -> ${host}:${path} (10 bytes, mode=0644 root:root)`]);
    expect(await drift('system_file', 'app', s1)).toMatchObject(NO_DRIFT);

    // A 3-digit mode and another owner: still no drift after the update.
    const s2 = await update(
      'system_file',
      'app',
      { host, path, content: 'port = 8080\n', mode: '640', owner: 'nobody', group: 'nogroup' },
      s1,
    );
    expect(readFileSync(path, 'utf8')).toBe('port = 8080\n');
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(await drift('system_file', 'app', s2)).toMatchObject(NO_DRIFT);

    const c3 = ctx();
    await update(
      'system_file',
      'app',
      { host, path, content: 'port = 8080\n', mode: '640', owner: 'nobody', group: 'nogroup' },
      s2,
      c3,
    );
    expect(c3.traces()).toEqual([`[system] FILE \`app\` -> ${host}:${path} unchanged (sha256 match)`]);

    writeFileSync(path, 'edited by hand\n');
    chmodSync(path, 0o600);
    const edited = await drift('system_file', 'app', s2);
    expect(edited.changes).toEqual([
      { field: 'mode', from: '640', to: '0600' },
      { field: 'sha256', from: s2.sha256, to: sha256Hex('edited by hand\n') },
    ]);

    await remove('system_file', 'app', s2);
    expect(existsSync(path)).toBe(false);
    expect(await drift('system_file', 'app', s2)).toMatchObject({ changes: [], missing: true });
  });
});

describe('system_secret_file on a real host', () => {
  it('create → read → update → read → drift → delete, never showing the plaintext or its hash', async () => {
    const plaintext = '{"private_key": "-----BEGIN KEY----- s3cr3t"}';
    const rotated = 'rotated-secret-value-0123456789';
    const path = join(root, 'secrets', 'sa.json');
    const host = sshd.addr;
    const c = ctx();
    const s1 = await create('system_secret_file', 'sa', { host, path, content: plaintext }, c);
    expect(s1).toEqual({
      host,
      path,
      mode: '0400',
      owner: 'root',
      group: 'root',
      sha256: sha256Hex(plaintext),
    });
    expect(readFileSync(path, 'utf8')).toBe(plaintext);
    expect(statSync(path).mode & 0o7777).toBe(0o400);
    expect(await drift('system_secret_file', 'sa', s1)).toMatchObject(NO_DRIFT);

    await update('system_secret_file', 'sa', { host, path, content: plaintext }, s1, c);
    const s2 = await update(
      'system_secret_file',
      'sa',
      { host, path, content: rotated, mode: '0440' },
      s1,
      c,
    );
    expect(readFileSync(path, 'utf8')).toBe(rotated);
    expect(await drift('system_secret_file', 'sa', s2)).toMatchObject(NO_DRIFT);
    expect(c.traces()).toEqual([
      `[system] SECRET_FILE \`sa\` -> ${host}:${path} (${plaintext.length} bytes, mode=0400 root:root)`,
      `[system] SECRET_FILE \`sa\` -> ${host}:${path} unchanged (sha256 + perms match)`,
      `[system] SECRET_FILE \`sa\` -> ${host}:${path} (${rotated.length} bytes, mode=0440 root:root)`,
    ]);
    for (const { line } of c.lines) {
      for (const secret of [plaintext, rotated, sha256Hex(plaintext), sha256Hex(rotated)])
        expect(line).not.toContain(secret);
    }

    writeFileSync(path, 'tampered');
    expect((await drift('system_secret_file', 'sa', s2)).changes.map((ch) => ch.field)).toEqual(['sha256']);
    await remove('system_secret_file', 'sa', s2);
    expect(existsSync(path)).toBe(false);
    expect((await drift('system_secret_file', 'sa', s2)).missing).toBe(true);
  });
});

describe('system_dir on a real host', () => {
  it('upload: create → read → update with delete_extra → read → hand-made drift → delete', async () => {
    const source = join(root, 'site-src');
    const path = join(root, 'srv', 'site');
    const host = sshd.addr;
    mkdirSync(join(source, 'assets', 'deep dir'), { recursive: true });
    writeFileSync(join(source, 'index.html'), '<h1>v1</h1>\n');
    writeFileSync(join(source, 'old.html'), 'old\n');
    writeFileSync(join(source, 'assets', 'deep dir', "it's.css"), 'body{}\n');
    const c = ctx();
    const attrs = { host, path, source_dir: source, delete_extra: true, mode: '0640', dir_mode: '0750' };
    const s1 = await create('system_dir', 'site', attrs, c);
    expect(s1.file_count).toBe(3);
    expect(readFileSync(join(path, 'assets', 'deep dir', "it's.css"), 'utf8')).toBe('body{}\n');
    expect(statSync(join(path, 'index.html')).mode & 0o7777).toBe(0o640);
    expect(statSync(join(path, 'assets')).mode & 0o7777).toBe(0o750);
    expect(c.traces()).toEqual([
      `[system] DIR \`site\` -> ${host}:${path} (3 files, mode=0640 dir_mode=0750 root:root)`,
    ]);
    expect(await drift('system_dir', 'site', s1)).toMatchObject(NO_DRIFT);

    rmSync(join(source, 'old.html'));
    writeFileSync(join(source, 'index.html'), '<h1>v2</h1>\n');
    writeFileSync(join(source, 'new.html'), 'new\n');
    const s2 = await update('system_dir', 'site', attrs, s1, c);
    expect(existsSync(join(path, 'old.html'))).toBe(false);
    expect(readFileSync(join(path, 'index.html'), 'utf8')).toBe('<h1>v2</h1>\n');
    expect(Object.keys(s2.manifest as JsonObject).sort()).toEqual([
      "assets/deep dir/it's.css",
      'index.html',
      'new.html',
    ]);
    expect(await drift('system_dir', 'site', s2)).toMatchObject(NO_DRIFT);

    const c3 = ctx();
    await update('system_dir', 'site', attrs, s2, c3);
    expect(c3.traces()).toEqual([
      `[system] DIR \`site\` -> ${host}:${path} unchanged (3 files, manifest match)`,
    ]);

    writeFileSync(join(path, 'index.html'), 'defaced');
    writeFileSync(join(path, 'intruder.php'), '<?php');
    const edited = await drift('system_dir', 'site', s2);
    const manifest = {
      ...(s2.manifest as Record<string, string>),
      'index.html': sha256Hex('defaced'),
      'intruder.php': sha256Hex('<?php'),
    };
    expect(edited.changes).toEqual([
      { field: 'file_count', from: 3, to: 4 },
      { field: 'manifest.index.html', from: sha256Hex('<h1>v2</h1>\n'), to: sha256Hex('defaced') },
      { field: 'manifest.intruder.php', from: null, to: sha256Hex('<?php') },
      { field: 'manifest_sha256', from: s2.manifest_sha256, to: manifestDigest(manifest) },
    ]);

    rmSync(path, { recursive: true });
    expect((await drift('system_dir', 'site', s2)).missing).toBe(true);
    const s3 = await create('system_dir', 'site', attrs);
    await remove('system_dir', 'site', s3);
    expect(existsSync(path)).toBe(false);
  });

  it('empty-dir mode: create → read → update → read; other files do not drift; removal does', async () => {
    const path = join(root, 'srv', 'repos');
    const host = sshd.addr;
    const s1 = await create('system_dir', 'repos', { host, path });
    expect(statSync(path).isDirectory()).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o755);
    expect(s1).toMatchObject({ source_dir: null, file_count: 0, manifest: {} });
    expect(await drift('system_dir', 'repos', s1)).toMatchObject(NO_DRIFT);
    const s2 = await update('system_dir', 'repos', { host, path, dir_mode: '0700', owner: 'nobody' }, s1);
    expect(statSync(path).mode & 0o7777).toBe(0o700);
    writeFileSync(join(path, 'repo.git'), 'made by a daemon');
    expect(await drift('system_dir', 'repos', s2)).toMatchObject(NO_DRIFT);
    rmSync(path, { recursive: true });
    expect((await drift('system_dir', 'repos', s2)).missing).toBe(true);
  });
});

describe('prepare, then apply, on a real host', () => {
  it('a content_file and a relative source_dir are read from beside the config file', async () => {
    const config = join(root, 'config');
    mkdirSync(join(config, 'files', 'site'), { recursive: true });
    writeFileSync(join(config, 'files', 'motd'), 'welcome\n');
    writeFileSync(join(config, 'files', 'site', 'index.html'), '<h1>hi</h1>\n');
    const host = sshd.addr;
    const local = (kind: string) => ({ kind, name: 'x', baseDir: config });

    const motd = join(root, 'prepared', 'motd');
    const fileAttrs = await provider.kinds.system_file!.prepare!(
      { host, path: motd, content_file: 'files/motd' },
      local('system_file'),
    );
    const file = await create('system_file', 'motd', fileAttrs);
    expect(readFileSync(motd, 'utf8')).toBe('welcome\n');
    expect(file.content).toBe('welcome\n');
    expect(await drift('system_file', 'motd', file)).toMatchObject(NO_DRIFT);

    const site = join(root, 'prepared', 'site');
    const dirAttrs = await provider.kinds.system_dir!.prepare!(
      { host, path: site, source_dir: 'files/./site' },
      local('system_dir'),
    );
    expect(dirAttrs.source_dir).toBe(realpathSync(join(config, 'files', 'site')));
    const dir = await create('system_dir', 'site', dirAttrs);
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toBe('<h1>hi</h1>\n');
    expect(await drift('system_dir', 'site', dir)).toMatchObject(NO_DRIFT);
  });

  it('a failed command is the engine’s CommandFailed error with the host’s own message', async () => {
    const path = join(root, 'bad-owner', 'f');
    const error = (await create('system_file', 'bad', {
      host: sshd.addr,
      path,
      content: 'x',
      owner: 'no-such-user-xyz',
    }).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('CommandFailed');
    expect(error.message).toMatch(
      new RegExp(
        `^system_file\\.bad: install of ${path} failed on ${sshd.addr.replace(/[.]/g, '\\.')} \\(exit 1\\):\\n.*no-such-user-xyz`,
      ),
    );
    expect(existsSync(path)).toBe(false);
  });
});
