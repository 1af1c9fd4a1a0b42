import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrKey, isImplicitName } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { loadStr } from './load';
import { parse, parseAttributes } from './parse';

/**
 * The examples of docs/reference/language.md are tests: every ```strat block
 * parses (a fragment of attributes as one), and a block preceded by `<!-- test: addresses A B ... -->` loads to
 * exactly those resources (the implicit per-host ones aside), in that order.
 */
const DOC = join(import.meta.dirname, '../../../docs/reference/language.md');
const text = readFileSync(DOC, 'utf8');
const blocks = [
  ...text.matchAll(/(?:<!-- test: addresses (?<addrs>[^\n]*?) -->\n)?```strat\n(?<source>[\s\S]*?)```/g),
].map((m) => ({
  line: text.slice(0, m.index).split('\n').length,
  source: m.groups!.source!,
  addresses: m.groups!.addrs?.split(' '),
}));

describe('docs/reference/language.md examples', () => {
  it('has examples, some of them with expectations', () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter((b) => b.addresses !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b) => [b.line, b] as const))('the block at line %i parses', (_line, block) => {
    // A fragment of attributes (`url = "..."`) is shown without its block.
    const fragment = /^[A-Za-z_][\w-]* =/.test(block.source);
    expect(() => (fragment ? parseAttributes : parse)(block.source, 'language.md')).not.toThrow();
  });

  it.each(blocks.filter((b) => b.addresses !== undefined).map((b) => [b.line, b] as const))(
    'the block at line %i loads to the resources it names',
    (_line, block) => {
      const out = loadStr(block.source, { env: {} });
      expect(out.resources.filter((r) => !isImplicitName(r.addr.name)).map((r) => addrKey(r.addr))).toEqual(
        block.addresses,
      );
    },
  );
});
