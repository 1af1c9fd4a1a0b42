import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Document, ParsedDocuments } from '@stratum/config';
import { atomicWrite, privacy } from './code-cache';
import { parseCacheHome } from './parse-cache-home';

/**
 * Config files' syntax trees, kept on disk between runs
 * (`~/.cache/stratum/parse-cache/`): a run whose config did not change since
 * the last one takes its trees from there instead of lexing and parsing
 * again. Parsing is a good part of a command's start: for issue 12's
 * workload (a 227 KB config) ~17 ms of a ~115 ms `plan`, against ~3 ms to
 * read and check a kept tree.
 *
 * One file per config path, holding the tree of its latest text (at most
 * {@link KEPT_ENTRIES} files). An entry serves only the same text (its
 * sha256), under the same name (spans carry it) and from the same build of
 * stratum (`build`: a new version may parse differently); else the file is
 * parsed again and its entry replaced. Kept only when JSON
 * gives back the very tree (JSON has no `undefined`, `-0` or `Infinity`), and
 * read only from a directory and file that are the user's alone: a tree
 * decides what an apply does, so one that someone else could have written
 * would be their config applied as this user (`privacy` in code-cache.ts).
 */

interface Entry {
  build: string;
  file: string;
  sha256: string;
  document: Document;
}

/** Trees kept in `dir`, valid for the stratum build `build` (see code-cache.ts `buildOf`). */
export function diskParsedDocuments(dir: string, build: string): ParsedDocuments {
  return {
    get(file, source) {
      try {
        const path = entryPath(dir, file);
        if (privacy(dir) !== 'private' || privacy(path) !== 'private') return undefined;
        const entry = JSON.parse(readFileSync(path, 'utf8')) as Partial<Entry> | null;
        if (entry?.build !== build || entry.file !== file || entry.sha256 !== sha256(source))
          return undefined;
        return entry.document;
      } catch {
        return undefined;
      }
    },
    set(file, source, document) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (privacy(dir) !== 'private') return;
        const entry: Entry = { build, file, sha256: sha256(source), document };
        const text = JSON.stringify(entry);
        if (!isDeepStrictEqual((JSON.parse(text) as Entry).document, document)) return;
        atomicWrite(entryPath(dir, file), text);
        dropOldest(dir, KEPT_ENTRIES);
      } catch {
        // Not kept: the next run parses again.
      }
    },
  };
}

/**
 * Entries kept at most. One per config path, and a CI runner may check a
 * project out at a new path for every job: past this many, the entries
 * written longest ago go (an unchanged config used daily is written once, so
 * it may go too, and is parsed and kept again on its next run).
 */
export const KEPT_ENTRIES = 128;

function dropOldest(dir: string, keep: number): void {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  if (names.length <= keep) return;
  const written = names.map((name) => {
    const path = join(dir, name);
    return { path, at: statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
  });
  written.sort((a, b) => a.at - b.at);
  for (const { path } of written.slice(0, written.length - keep)) rmSync(path, { force: true });
}

/** One entry per config path: the same file's next text replaces its tree. */
function entryPath(dir: string, file: string): string {
  return join(dir, `${sha256(resolve(file)).slice(0, 32)}.json`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The store commands load configs with: the binary's (parse-cache-home.ts), or none. */
export function parseCacheInUse(): ParsedDocuments | undefined {
  const home = parseCacheHome();
  return home === undefined ? undefined : diskParsedDocuments(home.dir, home.build);
}
