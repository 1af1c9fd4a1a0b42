import type { SecretRefSite } from '@stratum/core';
import type { Block, BodyItem } from '../ast';
import { nestedBlockKey } from './body';
import { toLocation } from './context';
import { findReferences } from './find-reference';

/**
 * Every `secret.*` reference written in a resource block — bare, inside a
 * `${...}`, nested in a list, map or block — with the top-level attribute that
 * holds it. The language knows no kind: which attributes may hold a secret is
 * each kind's rule, checked where kinds are known (`validateDesired`).
 */
export function secretRefSites(block: Block): SecretRefSite[] {
  const sites: SecretRefSite[] = [];
  for (const item of block.body) collect(item, topKey(item), sites);
  return sites;
}

function topKey(item: BodyItem): string {
  return item.type === 'attribute' ? item.name : nestedBlockKey(item);
}

function collect(item: BodyItem, attr: string, sites: SecretRefSite[]): void {
  if (item.type === 'attribute') {
    for (const ref of findReferences(item.value, (r) => r.segments[0] === 'secret')) {
      sites.push({ attr, secret: ref.segments[1] ?? '', location: toLocation(ref.span) });
    }
    return;
  }
  for (const inner of item.body) collect(inner, attr, sites);
}
