import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlan, planRedaction } from '../plan/plan';
import { shellQuote } from '../shell-quote';
import { redactInto, scrubText } from './redact';
import { RedactionMap } from './redaction-map';

/**
 * A secret leaves a program in more forms than its own: quoted by a tool,
 * escaped into JSON, folded by a shell, encoded. Every output channel —
 * scrubbed lines (trace, warnings, errors), redacted JSON values (plans,
 * state, events) — must hide all of them. Real tools make the forms where
 * they can: GNU `install` quotes a bad user name as it would to an operator,
 * `sh` folds an unquoted expansion.
 */

/** Secrets worth redacting: 8+ characters, with the characters that trip quoting. */
const secret = fc
  .array(
    fc.oneof(
      fc.constantFrom('"', "'", '\\', '$', '`', ' ', '\t', '\n', 'é', '中', '%', '+', '/', '='),
      fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme-ascii' }),
    ),
    { minLength: 4, maxLength: 12 },
  )
  .map((parts) => `Zq${parts.join('')}x9`)
  .filter((s) => s.trim().split(/\s+/).join(' ').length >= 8 && !s.includes('\0'));

function mapWith(plaintext: string): RedactionMap {
  // Every run makes a digest: a cheap cost keeps hundreds of runs fast.
  const map = new RedactionMap({ digestCost: 4 });
  map.add('tok', plaintext);
  return map;
}

/** The forms a consumer of stratum's output could see, made by the tools that make them. */
function formsOf(plaintext: string): Record<string, string> {
  const bytes = Buffer.from(plaintext, 'utf8');
  return {
    'as given': plaintext,
    'JSON-escaped': JSON.stringify(plaintext).slice(1, -1),
    'shell-quoted': shellQuote(plaintext),
    'whitespace-folded': plaintext.trim().split(/\s+/).join(' '),
    base64: bytes.toString('base64'),
    hex: bytes.toString('hex'),
    'URL-encoded': encodeURIComponent(plaintext),
  };
}

const leaks = (text: string, plaintext: string) =>
  Object.entries(formsOf(plaintext)).filter(([, form]) => form.length >= 8 && text.includes(form));

describe('every form of a secret is scrubbed from every channel', () => {
  it('log and error lines (scrubText)', () => {
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), (plaintext, before, after) => {
        const map = mapWith(plaintext);
        for (const [how, form] of Object.entries(formsOf(plaintext))) {
          const out = scrubText(`${before}[${form}]${after}`, map);
          expect(leaks(out, plaintext), `${how} form left in ${JSON.stringify(out)}`).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('JSON values: plans, state attrs and events (redactInto, a plan printed as JSON)', () => {
    fc.assert(
      fc.property(secret, (plaintext) => {
        const map = mapWith(plaintext);
        const forms = Object.values(formsOf(plaintext));
        const value = { env: Object.fromEntries(forms.map((f, i) => [`K${i}`, `x ${f} y`])), list: forms };
        const redacted = JSON.stringify(redactInto(value, map));
        expect(leaks(redacted, plaintext)).toEqual([]);
        const plan = createPlan(
          [
            {
              addr: { kind: 'demo_x', name: 'a' },
              provider: 'demo',
              action: 'create',
              desired: value,
              prior: null,
              changes: [],
            },
          ],
          [],
          { redaction: map },
        );
        expect(planRedaction(plan)).toBe(map);
        expect(leaks(JSON.stringify(plan), plaintext)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('what GNU install prints for a bad owner, and what sh makes of an unquoted $TOK', () => {
    fc.assert(
      fc.property(secret, (plaintext) => {
        const map = mapWith(plaintext);
        const install = spawnSync('install', ['-o', plaintext, '/dev/null', '/nonexistent-dir/x'], {
          encoding: 'utf8',
        });
        expect(install.stderr).toMatch(/invalid user/);
        // `set -f`: a `*` in the secret would otherwise expand to the file names
        // of the working directory, a form no scrubber can know.
        const echoed = spawnSync('sh', ['-c', 'set -f; echo $TOK >&2'], {
          env: { TOK: plaintext },
          encoding: 'utf8',
        });
        const install_ = scrubText(install.stderr, map);
        expect(install_).toContain('<secret:tok sha:');
        expect(leaks(install_, plaintext)).toEqual([]);
        // What echo printed is scrubbed unless it came out shorter than the 8 characters
        // below which no form is searched for (echo may eat escapes).
        const printed = echoed.stderr.replace(/\n$/, '');
        const echo = scrubText(echoed.stderr, map);
        if (printed.length >= 8) expect(echo).not.toContain(printed);
        expect(leaks(echo, plaintext)).toEqual([]);
      }),
      // `\\200` is a byte dash's echo makes that is no UTF-8 character on its own.
      { numRuns: 40, examples: [['Zq\\200 ! x9'], ['Zq!\t*\nx9']] },
    );
  });
});
