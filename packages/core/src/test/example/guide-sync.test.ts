import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../../../..');
const guide = join(repo, 'docs/guides/writing-a-provider.md');

/** The guide imports the published names; the files here import core's sources. */
function asPublished(source: string): string {
  return source
    .replaceAll("'../../index'", "'@stratum/core'")
    .replaceAll("'../index'", "'@stratum/core/test'");
}

describe('docs/guides/writing-a-provider.md', () => {
  it('shows the example files exactly as they are compiled and tested', async () => {
    const text = await readFile(guide, 'utf8');
    const blocks = [...text.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)];
    expect(blocks.map((b) => b[1])).toEqual([
      'packages/core/src/test/example/motd-provider.ts',
      'packages/core/src/test/example/motd-provider.test.ts',
    ]);
    for (const [, file, shown] of blocks) {
      expect(shown, `${file} differs from its copy in the guide`).toBe(
        asPublished(await readFile(join(repo, file!), 'utf8')),
      );
    }
  });
});
