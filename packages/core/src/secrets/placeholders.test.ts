import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KindHandler } from '../provider';
import { findUnresolvedPlaceholder, unresolvedPlaceholder } from './markers';
import { secretDigestFields } from './render';

describe('unresolved-secret placeholders', () => {
  it('spells and finds the placeholder', () => {
    expect(unresolvedPlaceholder('db_password')).toBe('<unresolved-secret:db_password>');
    expect(findUnresolvedPlaceholder('x=<unresolved-secret:a> y=<unresolved-secret:b>')).toBe('a');
    expect(findUnresolvedPlaceholder('{"env":{"PW":"<unresolved-secret:pg.value>"}}')).toBe('pg.value');
    expect(findUnresolvedPlaceholder('<unresolved-secret:>')).toBeUndefined();
    expect(findUnresolvedPlaceholder('<secret:pg:sha256:00>')).toBeUndefined();
    expect(findUnresolvedPlaceholder('')).toBeUndefined();
  });

  it('property: finds the name of any placeholder embedded in text', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,20}$/);
    fc.assert(
      fc.property(fc.string(), name, fc.string(), (before, n, after) => {
        fc.pre(!before.includes('<unresolved-secret:'));
        expect(findUnresolvedPlaceholder(`${before}${unresolvedPlaceholder(n)}${after}`)).toBe(n);
      }),
    );
  });
});

describe('secretDigestFields', () => {
  const handler = (extra: Partial<KindHandler<unknown>>): KindHandler<unknown> => ({
    schema: z.unknown(),
    create: () => ({ host: 'h', commands: [] }),
    update: () => ({ host: 'h', commands: [] }),
    delete: () => ({ host: 'h', commands: [] }),
    ...extra,
  });

  it('lists the digest fields of secret attributes only', () => {
    expect(
      secretDigestFields(
        handler({
          digests: { content: 'sha256', template: 'template_sha256' },
          secrets: { attrs: ['content', 'password'] },
        }),
      ),
    ).toEqual(new Set(['sha256']));
  });

  it('is empty without digests or without secret attributes', () => {
    expect(secretDigestFields(handler({ secrets: { attrs: ['content'] } })).size).toBe(0);
    expect(secretDigestFields(handler({ digests: { content: 'sha256' } })).size).toBe(0);
    expect(secretDigestFields(handler({})).size).toBe(0);
  });
});
