import { addrKey, parseAddr, parseInstanceName } from '@stratum/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MBlock, type MValue, printLoose } from '../__tests__/arbitraries';
import { fleetDocumentArb } from '../__tests__/fleet-arbitraries';
import { loadStr } from '../load';

/** The value of a generated block's first attribute (`for_each`, or a group's `hosts`). */
function firstValue(block: MBlock): MValue {
  const first = block.body[0];
  if (first?.type !== 'attribute') throw new Error('generated block without a first attribute');
  return first.value;
}

describe('for_each instances (properties)', () => {
  it('one instance per key, addressed <kind>.<name>["<key>"], parsing back to block name and key', () => {
    fc.assert(
      fc.property(fleetDocumentArb, (doc) => {
        const out = loadStr(printLoose(doc, 1), { env: {} });
        const byBlock = new Map<string, string[]>();
        for (const r of out.resources) {
          const key = addrKey(r.addr);
          expect(parseAddr(key)).toEqual(r.addr);
          const instance = parseInstanceName(r.addr.name);
          expect(instance).toBeDefined();
          expect(r.attrs.key).toBe(instance!.key);
          byBlock.set(instance!.base, [...(byBlock.get(instance!.base) ?? []), instance!.key]);
        }
        const [, ...rest] = doc;
        const hosts = rest.filter((b) => b.kind === 'host').map((b) => b.labels[0]!.value);
        const resources = rest.filter((b) => b.kind === 'resource');
        const [overGroup, overList, overMap] = resources.map((b) => b.labels[1]!.value) as [
          string,
          string,
          string,
        ];
        expect(byBlock.get(overGroup) ?? []).toEqual(hosts);
        const list = firstValue(resources[1]!);
        const map = firstValue(resources[2]!);
        expect(byBlock.get(overList) ?? []).toEqual(
          list.type === 'list' ? list.items.map((i) => (i as { value: string }).value) : [],
        );
        expect(new Set(byBlock.get(overMap) ?? [])).toEqual(
          new Set(map.type === 'map' ? map.entries.map((e) => e.key) : []),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('removing one host from the group removes exactly its instances', () => {
    fc.assert(
      fc.property(fleetDocumentArb, fc.nat(), (doc, pick) => {
        const group = doc.find((b) => b.kind === 'group')!;
        const members = firstValue(group);
        if (members.type !== 'list' || members.items.length === 0) return;
        const gone = members.items[pick % members.items.length] as { segments: string[] };
        const smaller = doc.map((b) =>
          b === group
            ? {
                ...b,
                body: [
                  {
                    type: 'attribute' as const,
                    name: 'hosts',
                    value: { ...members, items: members.items.filter((i) => i !== gone) },
                  },
                ],
              }
            : b,
        );
        const keys = (d: typeof doc) =>
          loadStr(printLoose(d, 2), { env: {} }).resources.map((r) => addrKey(r.addr));
        const before = keys(doc);
        const after = keys(smaller);
        const removed = before.filter((k) => !after.includes(k));
        expect(after.every((k) => before.includes(k))).toBe(true);
        expect(removed).toHaveLength(1);
        expect(parseInstanceName(parseAddr(removed[0]!).name)?.key).toBe(gone.segments[1]);
      }),
      { numRuns: 100 },
    );
  });
});
