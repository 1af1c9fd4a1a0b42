import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kindDocs } from './kind-docs';
import type { KindHandler } from './provider';

function handler(schema: z.ZodType, secrets?: KindHandler['secrets']): KindHandler {
  const op = { host: 'h', commands: [], record: () => ({}) };
  return {
    schema: schema as KindHandler['schema'],
    secrets,
    create: () => op,
    update: () => op,
    delete: () => op,
  };
}

describe('kindDocs', () => {
  it('reads the summary and attribute descriptions, through optional and default on both levels', () => {
    const schema = z
      .strictObject({
        host: z.string().describe('Where it lives.'),
        mode: z.string().default('0644').describe('File mode.'),
        owner: z.string().describe('Owner name.').default('root'),
        tags: z.array(z.string()).optional().meta({ description: 'Free labels.' }),
        port: z.number().int().describe('A port.').optional(),
        bare: z.boolean().default(false),
      })
      .describe('A widget on a host.');
    const doc = kindDocs('acme_widget', handler(schema.optional()));
    expect(doc).toEqual({
      kind: 'acme_widget',
      summary: 'A widget on a host.',
      attributes: [
        { name: 'host', type: 'string', required: true, description: 'Where it lives.', secret: false },
        {
          name: 'mode',
          type: 'string',
          required: false,
          default: '0644',
          description: 'File mode.',
          secret: false,
        },
        {
          name: 'owner',
          type: 'string',
          required: false,
          default: 'root',
          description: 'Owner name.',
          secret: false,
        },
        {
          name: 'tags',
          type: 'list of strings',
          required: false,
          description: 'Free labels.',
          secret: false,
        },
        { name: 'port', type: 'integer', required: false, description: 'A port.', secret: false },
        { name: 'bare', type: 'boolean', required: false, default: false, secret: false },
      ],
      outputs: [],
    });
  });

  it('lists what the kind computes at apply, in its order', () => {
    const computing = {
      ...handler(z.strictObject({ host: z.string() })),
      outputs: { build_id: 'The id the build made.', id: 'The same.' },
    };
    expect(kindDocs('acme_build', computing).outputs).toEqual([
      { name: 'build_id', description: 'The id the build made.' },
      { name: 'id', description: 'The same.' },
    ]);
  });

  it('marks the attributes the kind declares secret', () => {
    const schema = z.strictObject({ path: z.string(), content: z.string() });
    const doc = kindDocs('acme_secret', handler(schema, { attrs: ['content'] }));
    expect(doc.summary).toBe('');
    expect(doc.attributes.map((a) => [a.name, a.secret])).toEqual([
      ['path', false],
      ['content', true],
    ]);
  });

  it('describes enums and maps in plain words, and a non-object schema has no attributes', () => {
    const schema = z.object({
      state: z.enum(['started', 'stopped']),
      env: z.record(z.string(), z.string()),
      value: z.union([z.string(), z.number()]),
    });
    expect(kindDocs('acme_x', handler(schema)).attributes.map((a) => a.type)).toEqual([
      'one of `started`, `stopped`',
      'map of strings',
      'string or number',
    ]);
    expect(kindDocs('acme_y', handler(z.string().describe('odd'))).attributes).toEqual([]);
  });
});
