import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Document, loadFiles } from '@stratum/config';
import { afterAll, describe, expect, it } from 'vitest';
import { diskParsedDocuments, KEPT_ENTRIES } from './parse-cache';

const at0 = { offset: 0, line: 1, column: 1 };

/**
 * The syntax trees the binary keeps between runs (parse-cache.ts), on a real
 * disk: what one serves, when it parses again, and what it will not read.
 */

const root = mkdtempSync(join(tmpdir(), 'stratum-parse-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function config(motd: string): string {
  return `host "web" {\n  addr = "root@192.0.2.1"\n}\nresource "system_file" "motd" {\n  host    = host.web.addr\n  path    = "/etc/motd"\n  content = "${motd}"\n}\n`;
}

/** A fresh cache dir and config file; `load` loads the file through the cache, `motd` is what it got. */
function setUp(build = 'build-1') {
  n += 1;
  const dir = join(root, `cache-${n}`, 'parse-cache');
  const file = join(root, `config-${n}.strat`);
  const cache = diskParsedDocuments(dir, build);
  const load = (store = cache) =>
    loadFiles([file], { parsed: store }).resources.find((r) => r.addr.name === 'motd')?.attrs.content;
  const entries = () => readdirSync(dir).map((name) => join(dir, name));
  return { dir, file, cache, load, entries };
}

/** Rewrites the one entry's tree so that `motd` reads `value`: what a hit shows and a parse never would. */
function tamper(path: string, value: string): void {
  const entry = JSON.parse(readFileSync(path, 'utf8')) as { document: Document };
  const content = entry.document.blocks[1]!.body[2] as unknown as { value: { value: string } };
  content.value.value = value;
  writeFileSync(path, JSON.stringify(entry), { mode: 0o600 });
}

describe('diskParsedDocuments', () => {
  it('keeps the tree of a text that parsed, one private file per config, and serves it for the same text', () => {
    const { dir, file, load, entries } = setUp();
    writeFileSync(file, config('hello'));
    expect(load()).toBe('hello');
    expect(entries()).toHaveLength(1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(entries()[0]!).mode & 0o777).toBe(0o600);
    const [entry] = entries();
    tamper(entry!, 'kept');
    expect(load()).toBe('kept');
  });

  it('parses again for another text, another build or another name, and replaces the entry', () => {
    const { file, cache, load, entries, dir } = setUp();
    writeFileSync(file, config('one'));
    load();
    tamper(entries()[0]!, 'kept');
    writeFileSync(file, config('two'));
    expect(load()).toBe('two');
    expect(entries()).toHaveLength(1);
    tamper(entries()[0]!, 'kept');
    expect(load(diskParsedDocuments(dir, 'build-2'))).toBe('two');
    // The same text under another name: its spans would name the wrong file.
    expect(cache.get(`${file}.other`, config('two'))).toBeUndefined();
  });

  it('parses again past an entry that is not JSON, and keeps nothing of a text that does not parse', () => {
    const { file, load, entries } = setUp();
    writeFileSync(file, config('hello'));
    load();
    writeFileSync(entries()[0]!, '{"build": "build-1", "fi', { mode: 0o600 });
    expect(load()).toBe('hello');
    expect(JSON.parse(readFileSync(entries()[0]!, 'utf8')).file).toBe(file);
    writeFileSync(file, 'host "web" {\n');
    expect(() => load()).toThrow(/unexpected end of file|expected/);
    expect(JSON.parse(readFileSync(entries()[0]!, 'utf8')).file).toBe(file);
  });

  it('reads nothing from a directory or a file that others may write, or another user owns', () => {
    const { dir, file, load, entries } = setUp();
    writeFileSync(file, config('hello'));
    load();
    tamper(entries()[0]!, 'planted');
    chmodSync(entries()[0]!, 0o666);
    expect(load()).toBe('hello');
    tamper(entries()[0]!, 'planted');
    chmodSync(entries()[0]!, 0o600);
    chmodSync(dir, 0o777);
    expect(load()).toBe('hello');
    chmodSync(dir, 0o700);
    tamper(entries()[0]!, 'planted');
    chownSync(entries()[0]!, 65534, 65534);
    expect(load()).toBe('hello');
  });

  it('keeps no tree JSON cannot give back as it was (-0, Infinity, a field set to undefined)', () => {
    const { file, cache, entries } = setUp();
    const at = (offset: number) => ({ offset, line: 1, column: 1 });
    const trees = [
      { type: 'document', file, blocks: [], comments: [], span: { file, start: at(-0), end: at(0) } },
      { type: 'document', file, blocks: [], comments: [], span: { file, start: at(0), end: at(Infinity) } },
      {
        type: 'document',
        file: undefined,
        blocks: [],
        comments: [],
        span: { file, start: at(0), end: at(0) },
      },
    ] as Document[];
    for (const tree of trees) cache.set(file, 'text', tree);
    expect(entries()).toEqual([]);
    // The same tree without them is kept.
    cache.set(file, 'text', { ...trees[0]!, span: { file, start: at(0), end: at(0) } });
    expect(entries()).toHaveLength(1);
  });

  it(`keeps at most ${KEPT_ENTRIES} entries, dropping those written longest ago`, () => {
    const { dir, cache } = setUp();
    const document = (file: string) =>
      ({
        type: 'document',
        file,
        blocks: [],
        comments: [],
        span: { file, start: at0, end: at0 },
      }) as Document;
    const files = Array.from({ length: KEPT_ENTRIES + 2 }, (_, i) => join(root, `many-${i}.strat`));
    files.forEach((file, i) => {
      cache.set(file, 'text', document(file));
      // Written a second apart, oldest first, whatever the clock's resolution.
      const entry = readdirSync(dir)
        .map((name) => join(dir, name))
        .find((path) => readFileSync(path, 'utf8').includes(`"file":${JSON.stringify(file)}`));
      utimesSync(entry!, 1_000_000 + i, 1_000_000 + i);
    });
    expect(readdirSync(dir)).toHaveLength(KEPT_ENTRIES);
    expect(cache.get(files[0]!, 'text')).toBeUndefined();
    expect(cache.get(files[1]!, 'text')).toBeUndefined();
    expect(cache.get(files[2]!, 'text')).toEqual(document(files[2]!));
    expect(cache.get(files.at(-1)!, 'text')).toEqual(document(files.at(-1)!));
  });

  it('never throws: a cache directory below a regular file only means parsing each time', () => {
    const blocker = join(root, `blocker-${n}`);
    writeFileSync(blocker, '');
    const { file } = setUp();
    writeFileSync(file, config('hello'));
    const cache = diskParsedDocuments(join(blocker, 'parse-cache'), 'build-1');
    expect(loadFiles([file], { parsed: cache }).resources.some((r) => r.addr.name === 'motd')).toBe(true);
  });
});
