import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diff, diffObserved } from '../diff';
import { createPlan, withDrift } from '../plan/plan';
import { redactPlan } from '../plan/redact-plan';
import type { Drift, JsonValue, PlannedResource } from '../types';
import { redactInto } from './redact';
import { RedactionMap } from './redaction-map';

/**
 * Secrets are 8+ characters with at least one uppercase letter and no `<` or
 * `>`: marker text (lowercase names, hex digests, `<secret:` … `>`) can then
 * never contain or complete one, so "no plaintext in the output" is exactly
 * the property under test rather than an accident of marker spelling.
 */
const secretChar = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+-./=?@_~ '.split(''),
);
const plaintext = fc
  .tuple(
    fc.string({ unit: secretChar, minLength: 7, maxLength: 20 }),
    fc.constantFrom(...'ABCXYZ'.split('')),
    fc.nat(),
  )
  .map(([s, upper, at]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + upper + s.slice(i);
  });

/** 1–4 secrets, some of them overlapping: one contains another, or they share a prefix. */
const secrets = fc
  .array(plaintext, { minLength: 1, maxLength: 3 })
  .chain((base) =>
    fc.tuple(
      fc.constant(base),
      fc.oneof(
        fc.constant<string[]>([]),
        // A secret that contains the first one.
        fc
          .tuple(fc.string({ unit: secretChar, maxLength: 4 }), fc.string({ unit: secretChar, maxLength: 4 }))
          .map(([a, b]) => [`${a}${base[0]}${b}Q`]),
        // A secret inside the first one (when it is long enough).
        fc.nat().map((n) => {
          const first = base[0]!;
          if (first.length < 10) return [];
          const start = n % (first.length - 8);
          const inner = first.slice(start, start + 8);
          return /[A-Z]/.test(inner) ? [inner] : [];
        }),
      ),
    ),
  )
  .map(([base, extra]) => [...new Set([...base, ...extra])]);

/** The run's secrets, at a cheap digest cost: every run of every property makes new digests. */
function mapOf(plaintexts: string[]): RedactionMap {
  const map = new RedactionMap({ digestCost: 4 });
  plaintexts.forEach((p, i) => {
    map.add(`s${i}`, p);
  });
  return map;
}

/** Random JSON whose string leaves are random, a secret, or secrets glued into text. */
function jsonWith(plaintexts: string[]): fc.Arbitrary<JsonValue> {
  const secret = fc.constantFrom(...plaintexts);
  const text = fc.string({ maxLength: 8 });
  const leaf = fc.oneof(
    fc.string(),
    secret,
    fc.tuple(text, secret, text, secret, text).map((parts) => parts.join('')),
    fc.tuple(secret, secret).map(([a, b]) => a + b),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  return fc.letrec<{ value: JsonValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}

const scenario = secrets.chain((plaintexts) =>
  fc.record({ plaintexts: fc.constant(plaintexts), value: jsonWith(plaintexts) }),
);

/** Every string leaf of a value. Object keys are left out: redaction does not rewrite keys. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out);
  return out;
}

function expectNoPlaintext(value: unknown, plaintexts: string[]): void {
  for (const s of strings(value)) {
    for (const p of plaintexts) {
      if (s.includes(p)) throw new Error(`plaintext ${JSON.stringify(p)} left in ${JSON.stringify(s)}`);
    }
  }
}

describe('redaction properties', () => {
  it('redactInto leaves no plaintext secret in any string value', () => {
    fc.assert(
      fc.property(scenario, ({ plaintexts, value }) => {
        expectNoPlaintext(redactInto(value, mapOf(plaintexts)), plaintexts);
      }),
      { numRuns: 300 },
    );
  });

  it('redactInto is idempotent and never mutates its input', () => {
    fc.assert(
      fc.property(scenario, ({ plaintexts, value }) => {
        const map = mapOf(plaintexts);
        const before = JSON.stringify(value);
        const once = redactInto(value, map);
        expect(JSON.stringify(value)).toBe(before);
        expect(redactInto(once, map)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('a value redacted as state is diffs equal to its plaintext original (marker-aware diff, with the run’s secrets)', () => {
    fc.assert(
      fc.property(scenario, ({ plaintexts, value }) => {
        const map = mapOf(plaintexts);
        // As state is written: a marker stands for the plaintext itself. Printed text (forms on)
        // may have a marker where an escaped form stood, so it is not diffed against plaintext.
        const redacted = redactInto(value, map, { forms: false });
        expect(diffObserved(redacted, value, map)).toEqual([]);
        expect(diff(redacted, value, map)).toEqual([]);
        expect(diff(value, redacted, map)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('a value redacted in an earlier run diffs equal to its plaintext original in the next one', () => {
    fc.assert(
      fc.property(scenario, ({ plaintexts, value }) => {
        // State was written by one run (one salt per secret); the next run has its own map.
        const recorded = redactInto(value, mapOf(plaintexts), { forms: false });
        const next = mapOf(plaintexts);
        expect(diffObserved(recorded, value, next)).toEqual([]);
        expect(diff(recorded, value, next)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('a redacted plan (and a plan printed by accident) holds no plaintext secret', () => {
    const planScenario = secrets.chain((plaintexts) => {
      const json = jsonWith(plaintexts);
      const change = fc.record({ field: fc.string({ maxLength: 8 }), from: json, to: json });
      const step = fc.record({
        name: fc.string({ minLength: 1, maxLength: 8 }),
        action: fc.constantFrom('create', 'update', 'delete', 'noop' as const),
        desired: json,
        prior: json,
        changes: fc.array(change, { maxLength: 3 }),
        drift: fc.option(fc.record({ changes: fc.array(change, { maxLength: 3 }), missing: fc.boolean() })),
      });
      return fc.record({ plaintexts: fc.constant(plaintexts), steps: fc.array(step, { maxLength: 5 }) });
    });
    fc.assert(
      fc.property(planScenario, ({ plaintexts, steps }) => {
        const map = mapOf(plaintexts);
        const planned: PlannedResource[] = steps.map((s, i) => ({
          addr: { kind: 'docker_container', name: `${i}${s.name.replace(/[A-Z]/g, 'a')}` },
          provider: 'docker',
          action: s.action,
          desired: s.desired,
          prior: s.prior,
          changes: s.changes,
        }));
        const drift = new Map<string, Drift>();
        planned.forEach((p, i) => {
          const d = steps[i]!.drift;
          if (d !== null) drift.set(`docker_container.${p.addr.name}`, d);
        });
        const plan = withDrift(createPlan(planned, [], { redaction: map }), drift);
        const redacted = redactPlan(plan);
        expectNoPlaintext(JSON.parse(JSON.stringify(redacted)), plaintexts);
        expectNoPlaintext(JSON.parse(JSON.stringify(plan)), plaintexts);
        for (const step of redacted.steps) {
          if (step.action === 'update') expect(step.changes.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });
});
