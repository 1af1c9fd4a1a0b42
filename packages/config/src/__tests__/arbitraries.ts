// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import fc from 'fast-check';

/**
 * fast-check generators of `.strat` documents, as span-free ASTs (the shape
 * `stripSpans(parse(src).blocks)` returns), and a printer that writes such a
 * document with random but valid layout: odd whitespace, CRLF, comments
 * between any two tokens, trailing commas.
 */

export type MPart = { type: 'text'; value: string } | MRef;
export interface MRef {
  type: 'ref';
  segments: string[];
}
export type MValue =
  | { type: 'string'; value: string }
  | { type: 'template'; parts: MPart[] }
  | { type: 'number'; value: number; raw: string }
  | { type: 'bool'; value: boolean }
  | { type: 'list'; items: MValue[] }
  | { type: 'map'; entries: MEntry[] }
  | MRef;
export interface MEntry {
  key: string;
  quotedKey: boolean;
  value: MValue;
}
export interface MAttribute {
  type: 'attribute';
  name: string;
  value: MValue;
}
export interface MBlock {
  type: 'block';
  kind: string;
  labels: { value: string }[];
  body: (MAttribute | MBlock)[];
}

const KEYWORDS = new Set(['true', 'false']);

export const identArb: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,7}$/)
  .filter((s) => !KEYWORDS.has(s));

/** Text with everything a string must escape, unicode, and placeholder look-alikes. */
export const textArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.constantFrom(
        '"',
        '\\',
        '\n',
        '\r',
        '\t',
        '$',
        '{',
        '}',
        '${',
        '#',
        '//',
        ' ',
        'é',
        '日本',
        '😀',
        '\u2028',
      ),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

export const refArb: fc.Arbitrary<MRef> = fc
  .array(identArb, { minLength: 2, maxLength: 4 })
  .map((segments) => ({ type: 'ref' as const, segments }));

/**
 * A bare reference with an instance key after its second segment
 * (`system_user.deploy["web 1"].name`), in the parser's form: the key folded
 * into the segment. Keys are plain characters here (the string escapes have
 * their own properties). Templates take no instance keys.
 */
const keyedRefArb: fc.Arbitrary<MRef> = fc
  .tuple(identArb, identArb, fc.stringMatching(/^[a-z0-9 ._-]{1,8}$/), fc.array(identArb, { maxLength: 2 }))
  .map(([kind, name, key, rest]) => ({
    type: 'ref' as const,
    segments: [kind, `${name}[${JSON.stringify(key)}]`, ...rest],
  }));

/** A string holding at least one reference, in the parser's normal form (text merged, no empty text). */
const templateArb: fc.Arbitrary<MValue> = fc
  .array(
    fc.oneof(
      textArb.map((value) => ({ type: 'text' as const, value })),
      refArb,
    ),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .chain((parts) =>
    parts.some((p) => p.type === 'ref') ? fc.constant(parts) : refArb.map((r) => [...parts, r]),
  )
  .map((raw) => {
    const parts: MPart[] = [];
    for (const part of raw) {
      const last = parts[parts.length - 1];
      if (part.type === 'text') {
        if (part.value === '') continue;
        if (last?.type === 'text') last.value += part.value;
        else parts.push({ ...part });
      } else {
        parts.push(part);
      }
    }
    return { type: 'template' as const, parts };
  });

const numberArb: fc.Arbitrary<MValue> = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,6}$/), fc.option(fc.stringMatching(/^[0-9]{1,3}$/)))
  .map(([negative, whole, fraction]) => {
    const raw = `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`;
    return { type: 'number' as const, value: Number(raw), raw };
  });

const scalarArb: fc.Arbitrary<MValue> = fc.oneof(
  textArb.map((value) => ({ type: 'string' as const, value })),
  templateArb,
  numberArb,
  fc.boolean().map((value) => ({ type: 'bool' as const, value })),
  refArb,
  keyedRefArb,
);

const entryArb = (value: fc.Arbitrary<MValue>): fc.Arbitrary<MEntry> =>
  fc.oneof(
    fc.record({ key: identArb, quotedKey: fc.constant(false), value }),
    fc.record({ key: textArb, quotedKey: fc.constant(true), value }),
  );

export const valueArb: fc.Arbitrary<MValue> = fc.letrec<{ value: MValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => ({ type: 'list' as const, items })),
    fc.array(entryArb(tie('value')), { maxLength: 4 }).map((entries) => ({ type: 'map' as const, entries })),
  ),
})).value;

const attributeArb: fc.Arbitrary<MAttribute> = fc.record({
  type: fc.constant('attribute' as const),
  name: identArb,
  value: valueArb,
});

const labelsArb = fc.array(
  textArb.map((value) => ({ value })),
  { maxLength: 2 },
);

export const blockArb: fc.Arbitrary<MBlock> = fc.letrec<{ block: MBlock }>((tie) => ({
  block: fc.record({
    type: fc.constant('block' as const),
    kind: identArb,
    labels: labelsArb,
    body: fc.array(fc.oneof({ depthSize: 'small' }, attributeArb, attributeArb, tie('block')), {
      maxLength: 5,
    }),
  }),
})).block;

export const documentArb: fc.Arbitrary<MBlock[]> = fc.array(blockArb, { maxLength: 4 });

// ---- printing with random layout ------------------------------------------------

/** A small seeded PRNG, so a failing layout shrinks and replays with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Escapes like the lexer reads them back, choosing among equivalent forms at random. */
function escapeLoose(text: string, rand: () => number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += rand() < 0.5 ? '\\t' : '\t';
    else if (ch === '$' && text[i + 1] === '{') {
      out += '\\${';
      i++;
    } else out += ch;
  }
  return out;
}

/**
 * Writes `blocks` as `.strat` source with random, valid layout. `comments`
 * collects the comment texts in the order they were written.
 */
export function printLoose(blocks: MBlock[], seed: number, comments: string[] = []): string {
  const rand = prng(seed);
  let n = 0;
  const comment = (): string => {
    const text = `${rand() < 0.5 ? '#' : '//'} note ${n++}${rand() < 0.2 ? ' "quoted" { [ ${x} é' : ''}`;
    comments.push(text);
    return text;
  };
  /** Whitespace that may be empty. */
  const ws = (): string => {
    const r = rand();
    if (r < 0.45) return '';
    if (r < 0.7) return ' ';
    if (r < 0.8) return '\n  ';
    if (r < 0.85) return '\t';
    if (r < 0.9) return '\r\n';
    return ` ${comment()}\n`;
  };
  /** Whitespace that is never empty (between two names). */
  const sep = (): string => {
    const s = ws();
    return s === '' ? ' ' : s;
  };
  const str = (text: string) => `"${escapeLoose(text, rand)}"`;
  const value = (v: MValue): string => {
    switch (v.type) {
      case 'string':
        return str(v.value);
      case 'template':
        return `"${v.parts
          .map((p) => (p.type === 'text' ? escapeLoose(p.value, rand) : `\${${p.segments.join('.')}}`))
          .join('')}"`;
      case 'number':
        return v.raw;
      case 'bool':
        return String(v.value);
      case 'ref':
        return v.segments.map((s, i) => (i === 0 ? s : `${ws()}.${ws()}${s}`)).join('');
      case 'list': {
        const items = v.items.map((item) => ws() + value(item) + ws());
        const trailing = items.length > 0 && rand() < 0.4 ? ',' : '';
        return `[${items.join(',')}${trailing}${ws()}]`;
      }
      case 'map':
        return `{${v.entries
          .map((e) => `${sep()}${e.quotedKey ? str(e.key) : e.key}${ws()}=${ws()}${value(e.value)}`)
          .join('')}${sep()}}`;
    }
  };
  const item = (it: MAttribute | MBlock): string =>
    it.type === 'attribute' ? `${it.name}${ws()}=${ws()}${value(it.value)}` : block(it);
  const block = (b: MBlock): string =>
    `${b.kind}${b.labels.map((l) => ws() + str(l.value)).join('')}${ws()}{${b.body
      .map((it) => sep() + item(it))
      .join('')}${sep()}}`;
  let out = '';
  blocks.forEach((b, i) => {
    out += (i === 0 ? ws() : sep()) + block(b);
  });
  return out + ws();
}

/** Drops every span (and the file) so trees can be compared by content. */
export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripSpans) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'span' || key === 'keySpan' || key === 'nameSpan' || key === 'kindSpan' || key === 'file')
        continue;
      out[key] = stripSpans(v);
    }
    return out as T;
  }
  return value;
}
