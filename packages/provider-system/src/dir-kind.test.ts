import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@stratum/core';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  respondByCommand,
} from '@stratum/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { extraFiles, systemDirKind, systemDirSchema } from './dir-kind';
import { isSafeRelpath, manifestDigest, readLocalTree, sourceDirSummary } from './dir-manifest';
import { parseDirProbe } from './dir-probe';
import { createSystemProvider } from './system-provider';

const root = mkdtempSync(join(tmpdir(), 'stratum-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const kind = createSystemProvider().kinds.system_dir!;
const EMPTY_DIGEST = sha256Hex('');

describe('system_dir schema', () => {
  it('fills the spec defaults', () => {
    expect(systemDirSchema.parse({ host: 'h', path: '/srv/x' })).toEqual({
      host: 'h',
      path: '/srv/x',
      mode: '0644',
      dir_mode: '0755',
      owner: 'root',
      group: 'root',
      delete_extra: false,
    });
  });
  it('rejects unknown attributes and bad values', () => {
    expect(systemDirSchema.safeParse({ host: 'h', path: '/x', recursive: true }).success).toBe(false);
    expect(systemDirSchema.safeParse({ host: 'h', path: '/x', dir_mode: '755x' }).success).toBe(false);
    expect(systemDirSchema.safeParse({ host: 'h', path: '/x', delete_extra: 'yes' }).success).toBe(false);
  });
});

describe('manifest digest', () => {
  it('is sha256 of sorted `<sha256>  <relpath>\\n` lines, independent of key order', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const expected = createHash('sha256').update(`${b}  a/b\n${a}  z\n`).digest('hex');
    expect(manifestDigest({ z: a, 'a/b': b })).toBe(expected);
    expect(manifestDigest({ 'a/b': b, z: a })).toBe(expected);
  });
  it('of the empty manifest is sha256 of nothing', () => {
    expect(manifestDigest({})).toBe(EMPTY_DIGEST);
  });
  it('orders by UTF-8 bytes, as LC_ALL=C sort does', () => {
    const h = 'c'.repeat(64);
    // JS's default sort puts U+1F600 (surrogates D83D..) before U+FF21; in UTF-8 bytes EF BC A1 < F0 9F 98 80.
    const expected = createHash('sha256')
      .update(`${h}  Z\n${h}  a\n${h}  \uff21\n${h}  \u{1f600}\n`)
      .digest('hex');
    expect(manifestDigest({ '\u{1f600}': h, a: h, '\uff21': h, Z: h })).toBe(expected);
  });
});

describe('relpath safety', () => {
  it.each(['a', 'a/b', '.hidden', 'a..b'])('%j is inside', (p) => expect(isSafeRelpath(p)).toBe(true));
  it.each(['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a'])('%j is not', (p) =>
    expect(isSafeRelpath(p)).toBe(false),
  );
  it('extra files are prior keys missing from the new manifest, unsafe ones dropped', () => {
    expect(extraFiles({ a: 'x', b: 'x', '../evil': 'x' }, { a: 'y' })).toEqual(['b']);
    expect(extraFiles(null, {})).toEqual([]);
  });
});

describe('dir probe parser', () => {
  const target = { host: 'h', path: '/srv/site' };
  const h1 = '1'.repeat(64);
  const h2 = '2'.repeat(64);

  it('MISSING is absent', () => {
    expect(parseDirProbe(target, 'MISSING\n', 0)).toEqual({ status: 'absent' });
  });
  it('records become a manifest; names may hold newlines and spaces', () => {
    const output = `DIR\n${h1}  ./index.html\0${h2}  ./a b/new\nline\0\nEND\n`;
    const manifest = { 'a b/new\nline': h2, 'index.html': h1 };
    expect(parseDirProbe(target, output, 0)).toEqual({
      status: 'present',
      attrs: {
        host: 'h',
        path: '/srv/site',
        file_count: 2,
        manifest_sha256: manifestDigest(manifest),
        manifest,
      },
    });
  });
  it('an empty tree and the empty-dir probe are file_count 0', () => {
    const empty = {
      host: 'h',
      path: '/srv/site',
      file_count: 0,
      manifest_sha256: EMPTY_DIGEST,
      manifest: {},
    };
    expect(parseDirProbe(target, 'DIR\n\nEND\n', 0)).toEqual({ status: 'present', attrs: empty });
    expect(parseDirProbe(target, 'DIR\nEND\n', 0)).toEqual({ status: 'present', attrs: empty });
  });
  it.each([
    ['a file where the directory should be', 'NOT_A_DIR\n', 0],
    ['garbage', 'what\n', 0],
    ['a truncated listing', `DIR\n${h1}  ./a\0`, 0],
    ['a permission error mixed in', `DIR\n${h1}  ./a\0find: './x': Permission denied\n\nEND\n`, 0],
    ['a failed sha256sum', `DIR\n${h1}  ./a\0\nEND\n`, 1],
    ['a path escaping the directory', `DIR\n${h1}  ./../x\0\nEND\n`, 0],
  ])('%s is unknown', (_what, output, exitCode) => {
    expect(parseDirProbe(target, output, exitCode).status).toBe('unknown');
  });
});

describe('dir probe against a real shell (this machine, temp dir only)', () => {
  const transport = createLocalShellTransport();

  it('the host-side manifest equals the local one, odd names included', async () => {
    const tree = join(root, 'probe-tree');
    mkdirSync(join(tree, 'sub dir', 'deeper'), { recursive: true });
    writeFileSync(join(tree, 'index.html'), 'hi');
    writeFileSync(join(tree, 'sub dir', 'deeper', 'new\nline'), 'nl');
    writeFileSync(join(tree, 'sub dir', "q'uote\\"), 'q');
    writeFileSync(join(tree, '.hidden'), '');
    writeFileSync(join(tree, 'ünï'), 'u');
    symlinkSync('index.html', join(tree, 'link'));
    const local = await readLocalTree(tree);
    expect(local.skipped).toEqual(['link']);
    const prior = { host: 'local', path: tree, source_dir: tree, file_count: 5 };
    const observed = await runProbe(transport, kind.probe!({ kind: 'system_dir', name: 'd', prior }));
    expect(observed).toEqual({
      status: 'present',
      attrs: {
        host: 'local',
        path: tree,
        file_count: 5,
        manifest_sha256: manifestDigest(local.manifest),
        manifest: local.manifest,
      },
    });
  });

  it('empty-dir mode ignores files placed there; a missing dir is absent', async () => {
    const dir = join(root, 'empty-mode');
    mkdirSync(dir);
    writeFileSync(join(dir, 'daemon-data'), 'x');
    const prior = { host: 'local', path: dir, source_dir: null, file_count: 0 };
    expect(await runProbe(transport, kind.probe!({ kind: 'system_dir', name: 'd', prior }))).toMatchObject({
      status: 'present',
      attrs: { file_count: 0, manifest: {}, manifest_sha256: EMPTY_DIGEST },
    });
    const gone = { ...prior, path: join(root, 'nope') };
    expect(await runProbe(transport, kind.probe!({ kind: 'system_dir', name: 'd', prior: gone }))).toEqual({
      status: 'absent',
    });
  });

  it('a state over the file cap is not read', async () => {
    const prior = { host: 'local', path: root, source_dir: root, file_count: 201 };
    expect(await runProbe(transport, kind.probe!({ kind: 'system_dir', name: 'd', prior }))).toEqual({
      status: 'unknown',
      reason: 'system_dir read skipped: file_count 201 > cap 200',
    });
  });
});

describe('system_dir apply (recorded)', () => {
  const source = join(root, 'site');
  mkdirSync(source);
  writeFileSync(join(source, 'a.html'), 'a');
  writeFileSync(join(source, 'b.html'), 'b');
  const attrs = systemDirSchema.parse({
    host: 'root@h',
    path: '/srv/site',
    source_dir: source,
    delete_extra: true,
  });

  it('create uploads a gzip stream and records the manifest', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const ctx = createTestContext(transport);
    const state = await kind.create({ kind: 'system_dir', name: 'site', attrs, raw: {} }, ctx);
    const manifest = { 'a.html': sha256Hex('a'), 'b.html': sha256Hex('b') };
    expect(state).toEqual({
      host: 'root@h',
      source_dir: source,
      path: '/srv/site',
      mode: '0644',
      dir_mode: '0755',
      owner: 'root',
      group: 'root',
      delete_extra: true,
      file_count: 2,
      manifest_sha256: manifestDigest(manifest),
      manifest,
    });
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]!.stdin!.charCodeAt(0)).toBe(0x1f); // gzip magic (first byte)
    expect(ctx.traces()).toEqual([
      '[system] DIR `site` -> root@h:/srv/site (2 files, mode=0644 dir_mode=0755 root:root)',
    ]);
  });

  it('sourceDirSummary gives a planner the same manifest fields create records', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const state = await kind.create(
      { kind: 'system_dir', name: 'site', attrs, raw: {} },
      createTestContext(transport),
    );
    const summary = await sourceDirSummary(source);
    expect(summary).toEqual({
      file_count: state.file_count,
      manifest_sha256: state.manifest_sha256,
      manifest: state.manifest,
    });
  });

  it('update is skipped when the manifest digest and permissions match', async () => {
    const first = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const prior = await kind.create(
      { kind: 'system_dir', name: 'site', attrs, raw: {} },
      createTestContext(first),
    );
    const transport = createRecordingTransport();
    const ctx = createTestContext(transport);
    await kind.update({ kind: 'system_dir', name: 'site', attrs, raw: {}, prior }, ctx);
    expect(transport.calls).toEqual([]);
    expect(ctx.traces()).toEqual([
      '[system] DIR `site` -> root@h:/srv/site unchanged (2 files, manifest match)',
    ]);
  });

  it('delete_extra removes files the prior manifest had and the new one lacks, names on stdin', async () => {
    const prior = {
      ...attrs,
      source_dir: source,
      file_count: 3,
      manifest_sha256: 'old',
      manifest: { 'a.html': 'x', 'gone.html': 'y', "it's/old": 'z' },
    };
    const transport = createRecordingTransport(
      respondByCommand([
        [/^mkdir -p/, ''],
        [/xargs -0 -r rm -f --$/, ''],
      ]),
    );
    await kind.update(
      { kind: 'system_dir', name: 'site', attrs, raw: {}, prior },
      createTestContext(transport),
    );
    expect(transport.calls[1]).toMatchObject({
      command: 'cd -- /srv/site && xargs -0 -r rm -f --',
      stdin: "gone.html\0it's/old\0",
    });
  });

  it('empty-dir mode only creates the directory', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const ctx = createTestContext(transport);
    const state = await kind.create(
      {
        kind: 'system_dir',
        name: 'repos',
        attrs: systemDirSchema.parse({ host: 'h', path: '/srv/repos' }),
        raw: {},
      },
      ctx,
    );
    expect(transport.commands()).toEqual([
      'mkdir -p -- /srv/repos && chown -- root:root /srv/repos && chmod -- 0755 /srv/repos',
    ]);
    expect(state).toMatchObject({
      source_dir: null,
      file_count: 0,
      manifest: {},
      manifest_sha256: EMPTY_DIGEST,
    });
    expect(ctx.traces()).toEqual([
      '[system] DIR `repos` -> h:/srv/repos (empty dir, dir_mode=0755 root:root)',
    ]);
  });

  it('a missing source_dir fails before anything runs', async () => {
    const transport = createRecordingTransport();
    const missing = { ...attrs, source_dir: join(root, 'does-not-exist') };
    await expect(
      kind.create({ kind: 'system_dir', name: 'x', attrs: missing, raw: {} }, createTestContext(transport)),
    ).rejects.toMatchObject({
      code: 'SourceDirMissing',
    });
    expect(transport.calls).toEqual([]);
  });
});

describe('system_dir plan view', () => {
  it('adds the local tree’s manifest in upload mode, so a changed file becomes an update', async () => {
    const source = mkdtempSync(join(tmpdir(), 'stratum-dir-view-'));
    writeFileSync(join(source, 'index.html'), 'v1');
    const attrs = { host: 'root@h', path: '/srv/site', source_dir: source };
    const first = await systemDirKind.planView!(attrs, { kind: 'system_dir', name: 'site' });
    writeFileSync(join(source, 'index.html'), 'v2');
    const second = await systemDirKind.planView!(attrs, { kind: 'system_dir', name: 'site' });
    expect(first).toMatchObject({ ...attrs, file_count: 1 });
    expect(second.manifest_sha256).not.toBe(first.manifest_sha256);
  });

  it('leaves empty-dir mode alone', async () => {
    const attrs = { host: 'root@h', path: '/srv/empty' };
    expect(await systemDirKind.planView!(attrs, { kind: 'system_dir', name: 'e' })).toBe(attrs);
  });
});
