import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StratumError } from './errors';
import { InvalidAttributeError } from './invalid-attribute';
import { prepareDesired } from './prepare';
import type { LocalContext } from './provider';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { desiredResource } from './test/state-builders';
import type { JsonObject, ResourceSource } from './types';

const seen: LocalContext[] = [];

const registry = new Registry([
  createFakeProvider('demo', {
    demo_file: {
      schema: z.strictObject({ host: z.string(), content: z.string() }),
      prepare: async (attrs, local) => {
        seen.push(local);
        const { content_file: file, ...rest } = attrs;
        if (file === undefined) return attrs;
        if (file === 'missing.txt') {
          throw new InvalidAttributeError(
            'LocalFileMissing',
            'content_file',
            'cannot read `content_file` `missing.txt`: no such file or directory',
            { hint: 'check the path' },
          );
        }
        if (file === 'nowhere') throw new InvalidAttributeError('NoPosition', 'unlisted', 'bad');
        if (file === 'explode') throw new Error('disk on fire');
        if (file === 'numeric') return { ...rest, content: 42 };
        if (file === 'stratum') throw new StratumError('Other', 'not an attribute problem');
        if (file === 'foreign') {
          throw Object.assign(new Error('from another copy'), {
            [Symbol.for('@stratum/core/StratumError')]: true,
            [Symbol.for('@stratum/core/InvalidAttributeError')]: true,
            code: 'Foreign',
            attr: 'content_file',
            hint: 'foreign hint',
          });
        }
        return { ...rest, content: `${local.baseDir ?? '<no dir>'}/${String(file)}` };
      },
    },
    demo_plain: { schema: z.strictObject({ host: z.string() }) },
  }),
]);

const source = (dir?: string): ResourceSource => ({
  block: { file: 'app.strat', line: 1, column: 1 },
  attrs: {
    host: { file: 'app.strat', line: 2, column: 3 },
    content_file: { file: 'app.strat', line: 3, column: 3 },
  },
  ...(dir === undefined ? {} : { dir }),
});

const file = (name: string, attrs: JsonObject, src: ResourceSource | undefined = source('/cfg')) =>
  desiredResource('demo_file', name, attrs, src);

describe('prepareDesired', () => {
  it('returns the prepared attrs, in order, with the declaring directory and the address', async () => {
    seen.length = 0;
    const result = await prepareDesired(
      [
        file('a', { host: 'h', content_file: 'motd.txt' }),
        desiredResource('demo_plain', 'p', { host: 'h' }),
        file('b', { host: 'h', content_file: 'x.txt' }, source()),
      ],
      registry,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.resources.map((r) => r.attrs)).toEqual([
      { host: 'h', content: '/cfg/motd.txt' },
      { host: 'h' },
      { host: 'h', content: '<no dir>/x.txt' },
    ]);
    // The inlined attribute keeps the position of the one it replaced.
    expect(result.resources[0]?.source).toEqual({
      ...source('/cfg'),
      attrs: { ...source('/cfg').attrs, content: { file: 'app.strat', line: 3, column: 3 } },
    });
    expect(seen).toEqual([
      { kind: 'demo_file', name: 'a', baseDir: '/cfg' },
      { kind: 'demo_file', name: 'b', baseDir: undefined },
    ]);
  });

  it('turns an InvalidAttributeError into a diagnostic at the attribute, and does not repeat it', async () => {
    const result = await prepareDesired([file('a', { host: 'h', content_file: 'missing.txt' })], registry);
    // The schema would also refuse `content_file` and miss `content`: not reported.
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'LocalFileMissing',
        message: 'demo_file.a: cannot read `content_file` `missing.txt`: no such file or directory',
        addr: { kind: 'demo_file', name: 'a' },
        location: { file: 'app.strat', line: 3, column: 3 },
        hint: 'check the path',
      },
    ]);
    expect(result.resources[0]?.attrs).toEqual({ host: 'h', content_file: 'missing.txt' });
  });

  it('locates at the block when the attribute has no position, nowhere without a source', async () => {
    const a = await prepareDesired([file('a', { host: 'h', content_file: 'nowhere' })], registry);
    expect(a.diagnostics[0]?.location).toEqual({ file: 'app.strat', line: 1, column: 1 });
    const b = await prepareDesired(
      [desiredResource('demo_file', 'b', { host: 'h', content_file: 'missing.txt' })],
      registry,
    );
    expect(b.diagnostics[0]?.location).toBeUndefined();
  });

  it('recognises an InvalidAttributeError from another copy of core', async () => {
    const result = await prepareDesired([file('a', { host: 'h', content_file: 'foreign' })], registry);
    expect(result.diagnostics.map((d) => [d.code, d.message, d.hint, d.location?.line])).toEqual([
      ['Foreign', 'demo_file.a: from another copy', 'foreign hint', 3],
    ]);
  });

  it('still validates the other resources', async () => {
    const result = await prepareDesired(
      [
        file('a', { host: 'h', content_file: 'missing.txt' }),
        desiredResource('demo_plain', 'p', { host: 1 }),
        file('c', { host: 'h', content_file: 'ok.txt', extra: true }),
        desiredResource('demo_ghost', 'g', {}),
      ],
      registry,
    );
    expect(result.diagnostics.map((d) => `${d.addr.name}:${d.code}`)).toEqual([
      'a:LocalFileMissing',
      'p:WrongType',
      'c:UnknownAttribute',
      'g:UnknownKind',
    ]);
    expect(result.resources).toHaveLength(4);
  });

  it('points a schema problem of a renamed attribute where the original was written', async () => {
    const result = await prepareDesired([file('a', { host: 'h', content_file: 'numeric' })], registry);
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ['WrongType', { file: 'app.strat', line: 3, column: 3 }],
    ]);
    // Without a source there is nothing to carry over.
    const bare = await prepareDesired(
      [desiredResource('demo_file', 'b', { host: 'h', content_file: 'ok.txt' })],
      registry,
    );
    expect(bare.resources[0]?.source).toBeUndefined();
  });

  it('lets any other error through', async () => {
    await expect(
      prepareDesired([file('a', { host: 'h', content_file: 'explode' })], registry),
    ).rejects.toThrow('disk on fire');
    await expect(
      prepareDesired([file('a', { host: 'h', content_file: 'stratum' })], registry),
    ).rejects.toMatchObject({ code: 'Other' });
  });
});
