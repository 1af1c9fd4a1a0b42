// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from './__tests__/config-error';
import type { Expression } from './ast';
import { ConfigError } from './errors';
import type { Extracted } from './extracted';
import { format } from './format';
import { loadStr } from './load';
import { MAX_TOKENS, parse } from './parse';
import { MAX_NESTING } from './parser';

/*
 * Inputs an attacker (or a broken generator) could hand to the loader: huge
 * strings, millions of escapes or placeholders, deep nesting, millions of
 * tokens. Each must load, or fail with a positioned ConfigError, and never
 * overflow the stack, run out of memory or hang. A string of 5 million `\\`
 * used to overflow the lexer regex's backtracking stack (a RangeError, which
 * the CLI printed as an internal error).
 *
 * The timeouts are generous on purpose: a loaded CI machine is slow, and these
 * tests are about not crashing. Nothing here asserts a time.
 */
const SLOW = 20_000;
/** 1M attributes: most of the time goes to the evaluator and the garbage collector. */
const VERY_SLOW = 90_000;

/** A resource whose attribute `s` is `value` (source text). */
function resource(value: string): string {
  return strat('resource "a_b" "x" {', `  s = ${value}`, '}');
}

/** The evaluated attribute `s` of that resource. */
function attrS(loaded: Extracted): unknown {
  return loaded.resources.find((r) => r.addr.kind === 'a_b')!.attrs.s;
}

/** The value of the first attribute of the first block. */
function firstValue(source: string): Expression {
  const item = parse(source).blocks[0]!.body[0]!;
  if (item.type !== 'attribute') throw new Error('expected an attribute');
  return item.value;
}

function nestedLists(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function nestedMaps(depth: number): string {
  return `${'{ a = '.repeat(depth)}1${' }'.repeat(depth)}`;
}

describe('huge strings', () => {
  const backslashes = resource(`"${'\\\\'.repeat(5_000_000)}"`);

  it(
    'loads a 10 MB string of 5 million `\\\\` escapes',
    () => {
      expect(attrS(loadStr(backslashes))).toBe('\\'.repeat(5_000_000));
    },
    SLOW,
  );

  it(
    'formats it back unchanged',
    () => {
      expect(format(backslashes)).toBe(backslashes);
    },
    SLOW,
  );

  it(
    'loads and formats a million runs of every escape',
    () => {
      const source = resource(`"${'a\\"\\n\\r\\t\\${\\\\'.repeat(1_000_000)}"`);
      expect(attrS(loadStr(source))).toBe('a"\n\r\t${\\'.repeat(1_000_000));
      expect(format(source)).toBe(source);
    },
    SLOW,
  );

  it(
    'loads a 50 MB string on one line',
    () => {
      const source = resource(`"${'a'.repeat(50_000_000)}"`);
      expect((attrS(loadStr(source)) as string).length).toBe(50_000_000);
      expect(format(source).length).toBe(source.length);
    },
    SLOW,
  );

  it(
    'loads strings of millions of `$`, `{` and `}` that are not placeholders',
    () => {
      const text = `${'$'.repeat(3_000_000)} ${'{}'.repeat(1_000_000)}${'}$'.repeat(1_000_000)}`;
      const source = resource(`"${text}"`);
      expect(attrS(loadStr(source))).toBe(text);
      expect(format(source)).toBe(source);
    },
    SLOW,
  );

  it(
    'loads a million placeholders in one string',
    () => {
      const source = `host "h" {\n  addr = "10.0.0.1"\n}\n\n${resource(`"${'${host.h.addr}'.repeat(1_000_000)}"`)}`;
      expect(attrS(loadStr(source))).toBe('10.0.0.1'.repeat(1_000_000));
      expect(format(source)).toBe(source);
    },
    SLOW,
  );

  it(
    'parses a placeholder of 5 million segments, and the evaluator rejects its root',
    () => {
      const source = resource(`"\${a${'.b'.repeat(5_000_000)}}"`);
      const value = firstValue(source);
      expect(
        value.type === 'template' && value.parts[0]!.type === 'ref' && value.parts[0]!.segments.length,
      ).toBe(5_000_001);
      expectConfigError(() => loadStr(source), { code: 'UnknownRefRoot', line: 2, column: 10 });
    },
    SLOW,
  );

  it(
    'reports a bad escape after 5 million good ones where it is',
    () => {
      expectConfigError(() => loadStr(resource(`"${'\\\\'.repeat(5_000_000)}\\q"`)), {
        code: 'BadEscape',
        message: 'unknown escape `\\q` in string',
        line: 2,
        column: 8 + 10_000_000,
      });
    },
    SLOW,
  );

  it(
    'reports a 10 MB string left open at the end of the file',
    () => {
      const open = (body: string) => `resource "a_b" "x" {\n  s = "${body}`;
      for (const body of ['a'.repeat(10_000_000), '\\\\'.repeat(5_000_000), `${'\\"'.repeat(5_000_000)}\\`]) {
        for (const load of [loadStr, format]) {
          expectConfigError(() => load(open(body)), { code: 'UnterminatedString', line: 2, column: 7 });
        }
      }
    },
    SLOW,
  );

  it(
    'reports a 10 MB string cut by a line break',
    () => {
      const source = `resource "a_b" "x" {\n  s = "${'\\\\'.repeat(5_000_000)}\n}\n`;
      expectConfigError(() => loadStr(source), { code: 'NewlineInString', line: 2, column: 7 });
    },
    SLOW,
  );

  it(
    'keeps messages short when they quote a name of 10 million characters',
    () => {
      const name = 'k'.repeat(10_000_000);
      const errors = [
        expectConfigError(() => parse(`${name} = 1\n`), { code: 'ParseError', line: 1, column: 10_000_002 }),
        expectConfigError(() => parse(resource(name)), { code: 'BareIdentifier', line: 2, column: 7 }),
        expectConfigError(() => parse(resource(`"\${${name}}"`)), {
          code: 'BadInterpolation',
          line: 2,
          column: 10,
        }),
        expectConfigError(() => parse(resource(`"\${${name}!}"`)), {
          code: 'BadInterpolation',
          line: 2,
          column: 10,
        }),
      ];
      for (const error of errors) {
        expect(error.message.length).toBeLessThan(1000);
        expect(error.hint!.length).toBeLessThan(1000);
      }
    },
    SLOW,
  );
});

/**
 * Where `[{ a = [{ a = ...` (from column 7, inside the resource block) opens
 * level `level`: lists open the even levels, maps the odd ones.
 */
function mixedColumn(level: number): number {
  return level % 2 === 0 ? 7 + 7 * ((level - 2) / 2) : 8 + 7 * ((level - 3) / 2);
}

describe('deep nesting', () => {
  it(
    `refuses 100,000 nested lists, maps or blocks at level ${MAX_NESTING + 1}`,
    () => {
      // The resource block is the first level.
      const cases: [string, number, number][] = [
        [resource(nestedLists(100_000)), 2, 7 + MAX_NESTING - 1],
        [resource(nestedMaps(100_000)), 2, 7 + 6 * (MAX_NESTING - 1)],
        [`resource "a_b" "x" {\n${'b {\n'.repeat(100_000)}${'}\n'.repeat(100_000)}}\n`, 1 + MAX_NESTING, 1],
        [resource(`${'[{ a = '.repeat(50_000)}1${' }]'.repeat(50_000)}`), 2, mixedColumn(MAX_NESTING + 1)],
      ];
      for (const [source, line, column] of cases) {
        for (const load of [(s: string) => loadStr(s), parse, format]) {
          const error = expectConfigError(() => load(source), {
            code: 'ParseError',
            message: `nesting deeper than ${MAX_NESTING} levels`,
            line,
            column,
          });
          expect(error.hint).toMatch(/flatten/);
        }
      }
    },
    SLOW,
  );

  it(
    `loads and formats nesting of exactly ${MAX_NESTING} levels`,
    () => {
      const depth = MAX_NESTING - 1; // inside the resource block
      let expected: unknown = 1;
      for (let i = 0; i < depth; i++) expected = [expected];
      expect(attrS(loadStr(resource(nestedLists(depth))))).toEqual(expected);
      expected = 1;
      for (let i = 0; i < depth; i++) expected = { a: expected };
      const maps = resource(nestedMaps(depth));
      expect(attrS(loadStr(maps))).toEqual(expected);
      expect(parse(format(maps)).blocks[0]!.body).toHaveLength(1);
      const blocks = `resource "a_b" "x" {\n${'b {\n'.repeat(depth)}${'}\n'.repeat(depth)}}\n`;
      expect(loadStr(blocks).resources[0]!.attrs).toHaveProperty('b');
      expect(format(format(blocks))).toBe(format(blocks));
    },
    SLOW,
  );
});

describe('many tokens', () => {
  it(
    'loads a million attributes in one block',
    () => {
      const lines = Array.from({ length: 1_000_000 }, (_, i) => `  a${i} = ${i}\n`).join('');
      const source = `resource "a_b" "x" {\n${lines}}\n`;
      const attrs = loadStr(source).resources[0]!.attrs;
      expect(Object.keys(attrs)).toHaveLength(1_000_000);
      expect(attrs.a999999).toBe(999_999);
      expect(format(source)).toBe(source);
    },
    VERY_SLOW,
  );

  it(
    `refuses a 50 MB line of ${(25_000_000).toLocaleString('en-US')} list items: more than ${MAX_TOKENS.toLocaleString('en-US')} tokens`,
    () => {
      const source = resource(`[${'1,'.repeat(25_000_000)}]`);
      // `resource "a_b" "x" { s = [` is 7 tokens, then `1` and `,` alternate.
      for (const load of [(s: string) => loadStr(s), parse, format]) {
        const error = expectConfigError(() => load(source), {
          code: 'ParseError',
          message: `too many tokens: a file may hold at most ${MAX_TOKENS.toLocaleString('en-US')} names, values, punctuation marks and comments`,
          line: 2,
          column: 7 + (MAX_TOKENS - 7) + 1,
        });
        expect(error.hint).toMatch(/split the config into several files/);
      }
    },
    SLOW,
  );

  it(
    'answers a file of only `{` with the first error, or the token limit',
    () => {
      const top = {
        code: 'ParseError',
        message: 'expected a block at the top level, found `{`',
        line: 1,
        column: 1,
      } as const;
      expectConfigError(() => loadStr('{'), top);
      expectConfigError(() => loadStr('{'.repeat(MAX_TOKENS)), top);
      for (const size of [MAX_TOKENS + 1, 64_000_000]) {
        expectConfigError(() => loadStr('{'.repeat(size)), {
          code: 'ParseError',
          message: /^too many tokens/,
          line: 1,
          column: MAX_TOKENS + 1,
        });
      }
    },
    SLOW,
  );

  it(
    'counts comments and runs of bad characters as tokens',
    () => {
      expectConfigError(() => parse('#\n'.repeat(MAX_TOKENS + 1)), {
        code: 'ParseError',
        message: /^too many tokens/,
        line: MAX_TOKENS + 1,
        column: 1,
      });
      expectConfigError(() => parse(':a'.repeat(MAX_TOKENS)), {
        code: 'ParseError',
        message: /^too many tokens/,
        line: 1,
        column: MAX_TOKENS + 1,
      });
      // One run of bad characters is one error, however long.
      expectConfigError(() => parse(':'.repeat(10_000_000)), { code: 'LexError', line: 1, column: 1 });
    },
    SLOW,
  );

  it(
    'loads 50 MB of blanks and 10 million empty lines',
    () => {
      expect(loadStr(' '.repeat(50_000_000)).resources).toEqual([]);
      expect(loadStr('\n'.repeat(10_000_000)).resources).toEqual([]);
      expect(format(`\n${'\n'.repeat(10_000_000)}`)).toBe('');
    },
    SLOW,
  );
});

describe('whatever is thrown', () => {
  it(
    'is a ConfigError with a code, a position and a hint',
    () => {
      const sources = [
        `"${'\\\\'.repeat(3_000_000)}`,
        `a = "${'\\\\'.repeat(3_000_000)}"`,
        `${'a.'.repeat(3_000_000)}`,
        `a ${'"x" '.repeat(1_000_000)}`,
        `a { b = ${'-'.repeat(3_000_000)} }`,
        `a { b = "${'${'.repeat(2_000_000)}" }`,
        `a { b = "\${${' '.repeat(5_000_000)}" }`,
      ];
      for (const source of sources) {
        try {
          loadStr(source, { file: 'p.strat' });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const e = error as ConfigError;
          expect(e.file).toBe('p.strat');
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.column).toBeGreaterThanOrEqual(1);
          expect(typeof e.hint).toBe('string');
        }
      }
    },
    SLOW,
  );
});
