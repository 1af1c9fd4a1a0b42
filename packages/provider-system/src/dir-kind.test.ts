import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkClaims, type JsonObject, Registry, validateDesired } from '@stratum/core';
import { InvalidAttributeError, sha256Hex } from '@stratum/core/kit';
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
import { extraFiles, systemDirKind, systemDirSchema } from './dir-kind';
import { isSafeRelpath, manifestDigest, readLocalTree, sourceDirSummary } from './dir-manifest';
import { parseDirProbe } from './dir-probe';
import { createSystemProvider } from './system-provider';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'stratum-dir-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const kind = systemDirKind;
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

  it('reads a tree of any size whole: 3,000 files, state saying 3,000', async () => {
    const big = join(root, 'big');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(big, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(big, `d${d}`, `f${f}`), `${d}/${f}`);
    }
    const prior = { host: 'local', path: big, source_dir: big, file_count: 3000 };
    const seen = await runProbe(transport, kind.probe!({ kind: 'system_dir', name: 'd', prior }));
    const local = await sourceDirSummary(big);
    expect(seen).toMatchObject({
      status: 'present',
      attrs: { file_count: 3000, manifest_sha256: local.manifest_sha256 },
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
  const createSite = { action: 'create' as const, kind: 'system_dir', name: 'site', attrs };

  it('create uploads a gzip stream and records the manifest', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const ctx = createTestContext(transport);
    const run = await runStep(kind, createSite, ctx);
    const manifest = { 'a.html': sha256Hex('a'), 'b.html': sha256Hex('b') };
    expect(run.recorded).toEqual({
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
    expect(run.operation.commands[0]).toMatchObject({
      step: `upload of ${source} to /srv/site`,
      timeoutMs: 60 * 60_000,
    });
    expect(ctx.traces()).toEqual([
      '[system] DIR `site` -> root@h:/srv/site (2 files, mode=0644 dir_mode=0755 root:root)',
    ]);
  });

  it('the archive is made when the command runs, afresh each time', async () => {
    const operation = await kind.create({ kind: 'system_dir', name: 'site', attrs, raw: {} });
    const stdin = operation.commands[0]!.stdin;
    expect(stdin).toBeTypeOf('function');
    const read = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of (stdin as () => AsyncIterable<Uint8Array>)()) chunks.push(Buffer.from(chunk));
      return gunzipSync(Buffer.concat(chunks));
    };
    const first = await read();
    const second = await read();
    expect(second.equals(first)).toBe(true);
    expect(first.includes(Buffer.from('a.html'))).toBe(true);
  });

  it('sourceDirSummary gives a planner the same manifest fields create records', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const { recorded } = await runStep(kind, createSite, createTestContext(transport));
    const summary = await sourceDirSummary(source);
    expect(summary).toEqual({
      file_count: recorded!.file_count,
      manifest_sha256: recorded!.manifest_sha256,
      manifest: recorded!.manifest,
    });
  });

  it('update is skipped when the manifest digest and permissions match', async () => {
    const first = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const prior = (await runStep(kind, createSite, createTestContext(first))).recorded!;
    const transport = createRecordingTransport();
    const ctx = createTestContext(transport);
    const run = await runStep(
      kind,
      { action: 'update', kind: 'system_dir', name: 'site', attrs, prior },
      ctx,
    );
    expect(run.operation.commands).toEqual([]);
    expect(run.recorded).toEqual(prior);
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
    const run = await runStep(
      kind,
      { action: 'update', kind: 'system_dir', name: 'site', attrs, prior },
      createTestContext(transport),
    );
    expect(transport.calls[1]).toMatchObject({
      command: 'cd -- /srv/site && xargs -0 -r rm -f --',
      stdin: "gone.html\0it's/old\0",
    });
    expect(run.operation.commands[1]!.step).toBe(`removal of 2 files no longer in ${source}`);
  });

  it('without delete_extra, files the prior manifest had stay', async () => {
    const prior = { ...attrs, manifest_sha256: 'old', manifest: { 'gone.html': 'y' } };
    const run = await kind.update({
      kind: 'system_dir',
      name: 'site',
      attrs: { ...attrs, delete_extra: false },
      raw: {},
      prior,
    });
    expect(run.commands).toHaveLength(1);
  });

  it('a failed upload stops the step before files are removed', async () => {
    const prior = { ...attrs, manifest_sha256: 'old', manifest: { 'gone.html': 'y' } };
    const transport = createRecordingTransport(
      respondByCommand([[/^mkdir -p/, { exitCode: 2, stderr: 'tar: Error is not recoverable\n' }]]),
    );
    await expect(
      runStep(
        kind,
        { action: 'update', kind: 'system_dir', name: 'site', attrs, prior },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      message: `system_dir.site: upload of ${source} to /srv/site failed on root@h (exit 2):\ntar: Error is not recoverable`,
    });
    expect(transport.calls).toHaveLength(1);
  });

  it('what is neither a file nor a directory is not uploaded, and the trace says so', async () => {
    const odd = join(root, 'odd-site');
    mkdirSync(odd);
    writeFileSync(join(odd, 'index.html'), 'i');
    symlinkSync('index.html', join(odd, 'link'));
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const ctx = createTestContext(transport);
    const run = await runStep(
      kind,
      { action: 'create', kind: 'system_dir', name: 'odd', attrs: { ...attrs, source_dir: odd } },
      ctx,
    );
    expect(run.recorded!.file_count).toBe(1);
    expect(ctx.warnings()).toEqual([
      `system_dir.odd: link in ${odd} is not a regular file or directory; not uploaded`,
    ]);
    expect(ctx.traces()).toEqual([
      '[system] DIR `odd` -> root@h:/srv/site (1 files, mode=0644 dir_mode=0755 root:root)',
    ]);
  });

  it('empty-dir mode only creates the directory', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^mkdir -p/, '']]));
    const ctx = createTestContext(transport);
    const run = await runStep(
      kind,
      {
        action: 'create',
        kind: 'system_dir',
        name: 'repos',
        attrs: systemDirSchema.parse({ host: 'h', path: '/srv/repos' }),
      },
      ctx,
    );
    expect(transport.commands()).toEqual([
      'mkdir -p -- /srv/repos && chown -- root:root /srv/repos && chmod -- 0755 /srv/repos',
    ]);
    expect(run.recorded).toMatchObject({
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
      runStep(
        kind,
        { action: 'create', kind: 'system_dir', name: 'x', attrs: missing },
        createTestContext(transport),
      ),
    ).rejects.toMatchObject({
      code: 'SourceDirMissing',
    });
    expect(transport.calls).toEqual([]);
  });

  it('delete removes the tree; a failure is a warning', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^rm -rf/, { exitCode: 1, stderr: 'rm: cannot remove: Device or resource busy\n' }],
      ]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      kind,
      { action: 'delete', kind: 'system_dir', name: 'site', prior: { host: 'h', path: '/srv/site' } },
      ctx,
    );
    expect(transport.commands()).toEqual(['rm -rf -- /srv/site']);
    expect(ctx.warnings()).toEqual([
      'system_dir.site: rm -rf /srv/site on h failed (exit 1); ignored: rm: cannot remove: Device or resource busy',
    ]);
  });
});

describe('system_dir prepare: source_dir', () => {
  const base = join(root, 'configs');
  mkdirSync(join(base, 'book'), { recursive: true });
  writeFileSync(join(base, 'notes.txt'), 'n');
  symlinkSync(base, join(base, 'link'));
  const prepare = (attrs: JsonObject, baseDir: string | null = base) =>
    kind.prepare!(attrs, { kind: 'system_dir', name: 'd', baseDir: baseDir ?? undefined }) as JsonObject;
  const refusal = (attrs: JsonObject, baseDir: string | null = base): InvalidAttributeError => {
    try {
      prepare(attrs, baseDir);
    } catch (error) {
      if (InvalidAttributeError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('prepare accepted the attrs');
  };

  it('makes the path absolute against the config’s directory and canonical (symlinks and .. resolved)', () => {
    const attrs = { source_dir: 'link/../link/book', path: '/srv/book' };
    expect(prepare(attrs)).toEqual({ source_dir: join(base, 'book'), path: '/srv/book' });
    expect(attrs.source_dir).toBe('link/../link/book');
  });

  it('takes an absolute path as it is, also without a base directory', () => {
    expect(prepare({ source_dir: join(base, 'book') }, null)).toEqual({ source_dir: join(base, 'book') });
  });

  it('is optional (empty-dir mode)', () => {
    const attrs = { path: '/srv/data' };
    expect(prepare(attrs, null)).toBe(attrs);
  });

  it('SourceDirMissing for a missing path', () => {
    expect(refusal({ source_dir: '../book/book' })).toMatchObject({
      code: 'SourceDirMissing',
      attr: 'source_dir',
      message: `\`source_dir\` \`${join(base, '../book/book')}\` does not exist: no such file or directory`,
    });
  });

  it('SourceDirMissing for a file', () => {
    expect(refusal({ source_dir: 'notes.txt' })).toMatchObject({
      code: 'SourceDirMissing',
      message: `\`source_dir\` \`${join(base, 'notes.txt')}\` is not a directory`,
    });
  });

  it('SourceDirNoBaseDir for a relative path when the config has no base directory', () => {
    expect(refusal({ source_dir: 'site' }, null)).toMatchObject({
      code: 'SourceDirNoBaseDir',
      attr: 'source_dir',
      message: '`system_dir.source_dir` path `site` is relative, but this config has no base directory',
    });
  });

  it('BadLocalPath for a source_dir that is not a string', () => {
    expect(refusal({ source_dir: ['a'] })).toMatchObject({
      code: 'BadLocalPath',
      message: '`system_dir.source_dir` must be a string path, found a list',
    });
  });
});

describe('system_dir hooks', () => {
  const registry = new Registry([createSystemProvider()]);
  const dir = { host: 'root@h', path: '/srv/site' };

  it('host and path are the identity; no secret reference anywhere, with where secrets go', () => {
    expect(kind.identity).toEqual(['host', 'path']);
    const at = { line: 2, column: 3 };
    const diagnostics = (attr: string) =>
      validateDesired(
        [
          desiredResource('system_dir', 'd', dir, {
            block: at,
            attrs: {},
            secretRefs: [{ attr, secret: 's', location: at }],
          }),
        ],
        registry,
      );
    expect(diagnostics('path').map((d) => d.code)).toEqual(['SecretInUnsupportedAttr']);
    expect(diagnostics('source_dir')).toEqual([
      expect.objectContaining({
        code: 'SecretInUnsupportedAttr',
        hint: 'keep secrets out of uploaded directories; deliver them with `system_secret_file`',
      }),
    ]);
  });

  it('claims its path on its host; two directories of one path clash', () => {
    expect(kind.claims!({ kind: 'system_dir', name: 'd', attrs: systemDirSchema.parse(dir) })).toEqual({
      host: 'root@h',
      claims: [{ type: 'name', space: 'directory path', value: '/srv/site' }],
    });
    expect(() =>
      checkClaims(
        [desiredResource('system_dir', 'a', dir), desiredResource('system_dir', 'b', dir)],
        registry,
      ),
    ).toThrow(
      'directory path conflict on host `root@h`: `system_dir.a` and `system_dir.b` both use directory path `/srv/site`',
    );
    expect(
      checkClaims(
        [
          desiredResource('system_dir', 'a', dir),
          desiredResource('system_dir', 'b', { ...dir, host: 'root@o' }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('keeps no digest: the plan view carries the manifest', () => {
    expect(kind.digests).toBeUndefined();
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
