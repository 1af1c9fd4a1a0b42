// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StratumError } from '@stratum/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import type { LoadOptions } from './extracted';
import { loadStr } from './load';

const dir = mkdtempSync(join(tmpdir(), 'stratum-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'x'), 'file content\n');

/* A small grammar-shaped generator: mostly well-formed documents, so the
 * evaluator (not just the parser) sees every kind of block, label, value and
 * reference, valid or not. */
const ident = fc.constantFrom(
  'prod',
  'a',
  'b',
  'primary',
  'x',
  '__proto__',
  'constructor',
  'toString',
  'value',
  'addr',
  'port',
  'tuning',
  'content',
  'content_file',
  'source_dir',
  'configs',
  'state',
  'from_env',
  'from_file',
  'sensitive',
  'env',
  'meta',
);
const label = fc.constantFrom(
  'prod',
  'a',
  'b',
  'primary',
  'ssh_exec',
  'system_file',
  'system_dir',
  'docker_container',
  'foo',
  '_bar',
  '',
  '_stratum_swap_a',
  'x',
  '__proto__',
  'A',
  'B',
);
const reference = fc.oneof(
  fc.constantFrom(
    'host.prod.addr',
    'host.a.port',
    'host.prod.meta.owner',
    'secret.a.value',
    'secret.b.value',
    'secret.f.value',
  ),
  fc
    .tuple(fc.constantFrom('host', 'secret', 'provider'), fc.array(ident, { minLength: 1, maxLength: 3 }))
    .map(([root, rest]) => [root, ...rest].join('.')),
);
const stringLiteral = fc.constantFrom(
  '"root@192.0.2.10"',
  '"files"',
  '"x"',
  '"A"',
  '"B"',
  '"x"',
  '"."',
  '"~/k"',
  '"~"',
  '"/nonexistent"',
  `"${dir}"`,
  '""',
  '"\\${HOME}"',
);
const template = fc
  .tuple(fc.constantFrom('"', '"pre '), reference, fc.constantFrom('"', ' post"', '${host.prod.addr}"'))
  .map(([head, ref, tail]) => `${head}\${${ref}}${tail}`);
const scalar = fc.oneof(
  stringLiteral,
  template,
  reference,
  fc.constantFrom('true', 'false', '0', '-3', '1.5', '4000.0', '9'.repeat(400)),
);
const { value } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(fc.oneof(ident, fc.constantFrom('"a.b"', '"x"')), tie('value')), { maxLength: 3 })
      .map((entries) => `{\n${entries.map(([k, v]) => `${k} = ${v}`).join('\n')}\n}`),
  ),
}));
const attribute = fc.tuple(ident, value).map(([key, v]) => `  ${key} = ${v}`);
const nestedBlock = fc
  .tuple(ident, fc.array(label, { maxLength: 2 }), fc.array(attribute, { maxLength: 2 }))
  .map(
    ([kind, labels, attrs]) =>
      `  ${kind} ${labels.map((l) => `"${l}"`).join(' ')} {\n${attrs.join('\n')}\n  }`,
  );
const quoted = (labels: string[]) => labels.map((l) => `"${l}"`).join(' ');
const body = fc.array(fc.oneof({ weight: 5, arbitrary: attribute }, { weight: 1, arbitrary: nestedBlock }), {
  maxLength: 4,
});
const anyBlock = fc
  .tuple(
    fc.constantFrom('host', 'secret', 'provider', 'resource', 'namespace', 'module'),
    fc.array(label, { maxLength: 3 }),
    body,
  )
  .map(([kind, labels, items]) => `${kind} ${quoted(labels)} {\n${items.join('\n')}\n}`);
const literalAttribute = fc
  .tuple(
    ident,
    fc.constantFrom(
      '"root@192.0.2.10"',
      '22',
      'false',
      'true',
      '["a", "b"]',
      '{ owner = "ops" }',
      '1.5',
      `${'9'.repeat(400)}`,
    ),
  )
  .map(([key, v]) => `  ${key} = ${v}`);
const hostBody = fc.oneof(
  { weight: 4, arbitrary: fc.array(literalAttribute, { maxLength: 3 }) },
  { weight: 1, arbitrary: body },
);
const hostBlock = fc
  .tuple(
    fc.constantFrom('prod', 'a', 'primary'),
    fc.constantFrom('"root@192.0.2.10"', '3', 'host.prod.addr'),
    hostBody,
  )
  .map(([name, addr, items]) => `host "${name}" {\n  addr = ${addr}\n${items.join('\n')}\n}`);
const secretBlock = fc
  .tuple(
    fc.constantFrom('a', 'b', 'f', 'g'),
    fc.constantFrom(
      'from_env = "A"',
      'from_env = "B"',
      'from_env = "C"',
      'from_file = "x"',
      'from_file = "~/x"',
      '',
    ),
    fc.array(attribute, { maxLength: 1 }),
  )
  .map(([name, source, items]) => `secret "${name}" {\n  ${source}\n${items.join('\n')}\n}`);
const resourceBlock = fc
  .tuple(
    fc.constantFrom('ssh_exec', 'system_file', 'system_dir', 'docker_container', 'foo', '_bar'),
    fc.constantFrom('x', 'y', '_stratum_z'),
    body,
  )
  .map(([kind, name, items]) => `resource "${kind}" "${name}" {\n${items.join('\n')}\n}`);
const namespaceBlock = fc
  .tuple(fc.constantFrom('app', 'infra'), fc.array(attribute, { maxLength: 2 }))
  .map(([name, items]) => `namespace "${name}" {\n  configs = ["a.strat"]\n${items.join('\n')}\n}`);
const block = fc.oneof(
  { weight: 1, arbitrary: anyBlock },
  { weight: 2, arbitrary: hostBlock },
  { weight: 2, arbitrary: secretBlock },
  { weight: 4, arbitrary: resourceBlock },
  { weight: 1, arbitrary: namespaceBlock },
);
const documentText = fc.array(block, { maxLength: 6 }).map((blocks) => blocks.join('\n'));

/** Valid documents from the language reference, to mutate. */
const CORPUS = [
  'host "prod" {\n  addr = "root@192.0.2.10"\n  port = 22\n}\nresource "ssh_exec" "uptime" {\n  host = host.prod.addr # c\n  command = "uptime"\n}\n',
  'secret "pg" {\n  from_env = "A"\n}\nresource "docker_container" "db" {\n  env = {\n    URL = "postgresql://app:${secret.pg.value}@db/app"\n  }\n}\n',
  'namespace "app" {\n  configs = ["app/web.strat", "app/db.strat"]\n  state = "s.json"\n}\n',
  'resource "system_file" "f" {\n  content_file = "x"\n  mode = "0644"\n  meta "a" { owner = "ops" }\n}\n',
];
const TOKENS = [
  '{',
  '}',
  '"',
  '${',
  '}"',
  '=',
  '\n',
  '[',
  ']',
  ',',
  '.',
  '#',
  '\\',
  'host.prod.',
  'secret.pg.value',
  '"x_y"',
  '-',
  '4.5',
  'true',
];
const mutated = fc
  .tuple(
    fc.constantFrom(...CORPUS),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('', ...TOKENS)), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) =>
    edits.reduce((acc, [at, cut, insert]) => {
      const i = at % (acc.length + 1);
      return acc.slice(0, i) + insert + acc.slice(i + cut);
    }, text),
  );

const options: fc.Arbitrary<LoadOptions> = fc.record({
  env: fc.constantFrom({}, { A: 'value-of-a-123', B: 'short' }),
  allowUnresolvedSecrets: fc.boolean(),
  baseDir: fc.constantFrom(undefined, dir),
  homeDir: fc.constantFrom(undefined, dir),
});

function onlyStratumErrors(source: string, opts: LoadOptions): void {
  try {
    loadStr(source, opts);
  } catch (err) {
    if (!StratumError.isInstance(err)) throw err;
    expect(err).toBeInstanceOf(ConfigError);
  }
}

describe('loadStr on arbitrary input', () => {
  it('throws nothing but a StratumError for grammar-shaped documents', () => {
    fc.assert(fc.property(documentText, options, onlyStratumErrors), { numRuns: 400 });
  });

  it('throws nothing but a StratumError for mutated examples', () => {
    fc.assert(fc.property(mutated, options, onlyStratumErrors), { numRuns: 400 });
  });

  it('throws nothing but a StratumError for random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), options, onlyStratumErrors), {
      numRuns: 300,
    });
  });
});

describe('secret plaintext never reaches errors or warnings', () => {
  /** Every secret resolves to the plaintext: from env (twice, for the same-value warning) and from a file. */
  function texts(plaintext: string, doc: string): string[] {
    const file = join(dir, 'secret.txt');
    writeFileSync(file, `${plaintext}\n`);
    const source =
      `secret "a" { from_env = "A" }\nsecret "b" { from_env = "B" }\nsecret "f" { from_file = "${file}" }\n` +
      'host "prod" { addr = "root@192.0.2.10" }\n' +
      doc;
    const out: string[] = [];
    try {
      out.push(...loadStr(source, { env: { A: plaintext, B: plaintext }, baseDir: dir }).warnings);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      out.push(err.code, err.message, err.hint ?? '', err.frame(), String(err), JSON.stringify(err));
    }
    return out;
  }

  it('holds for random plaintexts of 8+ characters in random documents', () => {
    const plaintext = fc
      .string({ minLength: 8, maxLength: 40, unit: 'grapheme' })
      .filter((p) => !p.includes('\n') && !p.includes('\r') && p.trim() === p);
    fc.assert(
      fc.property(plaintext, documentText, (secret, doc) => {
        fc.pre(!doc.includes(secret));
        const other = 'Q'.repeat(Array.from(secret).length);
        const withOther = texts(other, doc);
        // Skip the rare plaintext that occurs in the fixed text of a message by coincidence.
        fc.pre(other !== secret && !withOther.some((text) => text.includes(secret)));
        const withSecret = texts(secret, doc);
        for (const text of withSecret) expect(text).not.toContain(secret);
        // Stronger: with another value of the same length the output reads the
        // same, so nothing in it depends on the plaintext.
        expect(withSecret).toEqual(withOther);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the generators', () => {
  it('reach the evaluator: documents load, and evaluation errors of many kinds occur', () => {
    const codes = new Map<string, number>();
    let loaded = 0;
    for (const [doc, opts] of fc.sample(fc.tuple(documentText, options), { numRuns: 3000, seed: 7 })) {
      try {
        loadStr(doc, opts);
        loaded++;
      } catch (err) {
        const code = (err as ConfigError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    expect(loaded).toBeGreaterThan(300);
    // The local-file and secret-placement codes left the language for the kinds (their `prepare` and rules).
    expect(codes.size).toBeGreaterThanOrEqual(22);
  });
});
