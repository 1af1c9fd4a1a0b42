import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const guide = join(repo, 'docs/guides/writing-a-provider.md');

/** Every file of the package the guide walks through, in the order it shows them. */
const SHOWN = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'src/index.ts',
  'src/write-file.ts',
  'src/banner.ts',
  'src/page-commands.ts',
  'src/page.ts',
  'src/banner.test.ts',
].map((file) => `examples/provider-motd/${file}`);

describe('docs/guides/writing-a-provider.md', () => {
  it('shows the package files exactly as they are built and tested', async () => {
    const text = await readFile(guide, 'utf8');
    const blocks = [...text.matchAll(/<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)];
    expect(blocks.map((block) => block[1])).toEqual(SHOWN);
    for (const [, file, shown] of blocks) {
      expect(shown, `${file} differs from its copy in the guide`).toBe(
        await readFile(join(repo, file!), 'utf8'),
      );
    }
  });
});
