import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLocalTree } from './dir-manifest';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stratum-manifest-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return root;
}

/** One time in the past, beyond the window in which a digest is not remembered. */
const PAST = new Date(Date.now() - 60_000);

/** Dates a file back to PAST. */
function age(path: string): void {
  utimesSync(path, PAST, PAST);
}

describe('readLocalTree digests', () => {
  it('reads a tree again the same, and sees a same-size edit to a remembered file', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    age(join(root, 'a'));
    age(join(root, 'b'));
    const first = await readLocalTree(root);
    expect((await readLocalTree(root)).manifest).toEqual(first.manifest);

    // Same size, and the mtime set back to what it was: only the ctime tells.
    writeFileSync(join(root, 'a'), 'ONE\n');
    age(join(root, 'a'));
    const edited = await readLocalTree(root);
    expect(edited.manifest.a).not.toBe(first.manifest.a);
    expect(edited.manifest.b).toBe(first.manifest.b);
  });
});
