import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLocalTree } from './dir-manifest';
import { coalesced, paxRecord, tarStream } from './tar-writer';

const root = mkdtempSync(join(tmpdir(), 'stratum-tar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('paxRecord', () => {
  it('counts its own length, including when that adds a digit', () => {
    for (const value of ['a', 'x'.repeat(85), 'x'.repeat(86), 'x'.repeat(990), 'é'.repeat(300)]) {
      const record = paxRecord('path', value);
      const declared = Number(record.split(' ')[0]);
      expect(Buffer.byteLength(record, 'utf8')).toBe(declared);
    }
  });
});

describe('coalesced', () => {
  it('passes every byte on in order, in chunks of at least the size but the last', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 2048 }),
        async (chunks, size) => {
          async function* source() {
            yield* chunks;
          }
          const out: Buffer[] = [];
          for await (const chunk of coalesced(source(), size)) out.push(chunk);
          expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks));
          for (const chunk of out.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(size);
          expect(out.every((chunk) => chunk.length > 0)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("passes its source's failure on, without sending what it held", async () => {
    async function* failing() {
      yield Buffer.from('abc');
      throw new Error('read failed');
    }
    const seen: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of coalesced(failing(), 1024)) seen.push(chunk);
      })(),
    ).rejects.toThrow('read failed');
    expect(seen).toEqual([]);
  });
});

describe('tarStream', () => {
  it('produces an archive GNU tar extracts to the same tree (long and unicode names, empty files and dirs)', async () => {
    const source = join(root, 'src');
    const longDir = 'd'.repeat(80);
    const longName = `${'n'.repeat(120)}.txt`;
    mkdirSync(join(source, longDir, 'sub'), { recursive: true });
    mkdirSync(join(source, 'empty-dir'));
    writeFileSync(join(source, 'index.html'), '<h1>hi</h1>\n');
    writeFileSync(join(source, 'empty'), '');
    writeFileSync(join(source, 'ünïcødé ✓.txt'), 'unicode\n');
    writeFileSync(join(source, longDir, 'sub', longName), 'deep\n');
    writeFileSync(join(source, 'block'), Buffer.alloc(512 * 3 + 7, 0x41));
    writeFileSync(join(source, "quote'$(x)"), 'q');

    const tree = await readLocalTree(source);
    const archive = await buffer(Readable.from(tarStream(tree.entries)));
    expect(archive.length % 512).toBe(0);

    const out = join(root, 'out');
    mkdirSync(out);
    const tar = spawnSync('tar', ['-xf', '-', '-C', out], { input: archive });
    expect(tar.stderr.toString()).toBe('');
    expect(tar.status).toBe(0);

    const extracted = await readLocalTree(out);
    expect(extracted.manifest).toEqual(tree.manifest);
    expect(Object.keys(tree.manifest)).toHaveLength(6);
    expect(readFileSync(join(out, longDir, 'sub', longName), 'utf8')).toBe('deep\n');
    expect(extracted.entries.filter((e) => e.type === 'dir').map((e) => e.path)).toEqual(
      tree.entries.filter((e) => e.type === 'dir').map((e) => e.path),
    );
  });

  it('keeps entry order and content, large files streamed among small ones read whole', async () => {
    const source = join(root, 'many');
    mkdirSync(source);
    // Many small files, and two too large to be read in one piece (over 256 KiB).
    for (let i = 0; i < 90; i++)
      writeFileSync(join(source, `f${String(i).padStart(2, '0')}`), `file ${i}\n`.repeat(i));
    writeFileSync(join(source, 'f40-large'), Buffer.alloc(300 * 1024, 7));
    writeFileSync(join(source, 'f80-large'), Buffer.alloc(700 * 1024, 9));
    const tree = await readLocalTree(source);
    const archive = await buffer(Readable.from(tarStream(tree.entries)));
    const listed = spawnSync('tar', ['-tf', '-'], { input: archive }).stdout.toString().trim().split('\n');
    expect(listed).toEqual(tree.entries.map((e) => e.path));

    const out = join(root, 'many-out');
    mkdirSync(out);
    expect(spawnSync('tar', ['-xf', '-', '-C', out], { input: archive }).status).toBe(0);
    expect((await readLocalTree(out)).manifest).toEqual(tree.manifest);
  });

  it('fails when a file changes size while it is read', async () => {
    const path = join(root, 'shrinks');
    writeFileSync(path, 'short');
    const entries = [
      { type: 'file' as const, path: 'shrinks', mode: 0o644, mtime: 0, size: 100, source: path },
    ];
    await expect(buffer(Readable.from(tarStream(entries)))).rejects.toMatchObject({
      code: 'SourceDirChanged',
    });
  });
});
