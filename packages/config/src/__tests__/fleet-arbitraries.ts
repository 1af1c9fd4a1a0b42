import fc from 'fast-check';
import { identArb, type MAttribute, type MBlock, type MValue, textArb } from './arbitraries';

/**
 * Valid fleet documents as span-free ASTs: variables (with defaults, so they
 * load), hosts, a group of them, and resources with `for_each` over the
 * group, a list or a map, whose bodies use `var.*`, `each.key` and
 * `each.value`. For the formatter and the evaluator alike.
 */

const str = (value: string): MValue => ({ type: 'string', value });
const ref = (...segments: string[]): MValue => ({ type: 'ref', segments });
const attr = (name: string, value: MValue): MAttribute => ({ type: 'attribute', name, value });
const block = (kind: string, labels: string[], body: MAttribute[]): MBlock => ({
  type: 'block',
  kind,
  labels: labels.map((value) => ({ value })),
  body,
});

const keysArb = fc.uniqueArray(textArb, { maxLength: 3 });

export const fleetDocumentArb: fc.Arbitrary<MBlock[]> = fc
  .record({
    hosts: fc.uniqueArray(identArb, { minLength: 1, maxLength: 3 }),
    variable: identArb,
    greeting: textArb,
    listKeys: keysArb,
    mapKeys: keysArb,
    names: fc.uniqueArray(identArb, { minLength: 3, maxLength: 3 }),
  })
  .map(({ hosts, variable, greeting, listKeys, mapKeys, names }) => {
    const [overGroup, overList, overMap] = names as [string, string, string];
    const body = (forEach: MValue, value: MValue): MAttribute[] => [
      attr('for_each', forEach),
      attr('key', ref('each', 'key')),
      attr('value', value),
      attr('greeting', {
        type: 'template',
        parts: [ref('var', variable) as never, { type: 'text', value: '!' }],
      }),
    ];
    return [
      block('variable', [variable], [attr('type', str('string')), attr('default', str(greeting))]),
      ...hosts.map((h, i) =>
        block(
          'host',
          [h],
          [attr('addr', str(`root@192.0.2.${i + 1}`)), attr('tuning', { type: 'bool', value: false })],
        ),
      ),
      block('group', ['fleet'], [attr('hosts', { type: 'list', items: hosts.map((h) => ref('host', h)) })]),
      block('resource', ['ssh_exec', overGroup], body(ref('group', 'fleet'), ref('each', 'value'))),
      block(
        'resource',
        ['ssh_exec', overList],
        body({ type: 'list', items: listKeys.map(str) }, ref('each', 'value')),
      ),
      block(
        'resource',
        ['ssh_exec', overMap],
        body(
          {
            type: 'map',
            entries: mapKeys.map((key, i) => ({
              key,
              quotedKey: true,
              value: { type: 'number', value: i, raw: String(i) },
            })),
          },
          ref('each', 'value'),
        ),
      ),
    ];
  });
