import type { JsonObject } from '@stratum/core';
import type { GroupDecl } from '../extracted';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { expectLabels } from './labels';
import { refText } from './values';

const GROUP_SHAPE = 'write it as `group "<name>" { hosts = [host.web1, host.web2] }`';

/**
 * `group` blocks: a named, ordered set of host blocks, written as references
 * `host.<name>` so a typo is an `UnknownHost` at the reference. Evaluated
 * after the hosts; a group may be empty (a fleet scaled to zero).
 */
export function evaluateGroups(
  blocks: readonly UnitBlock[],
  hosts: ReadonlyMap<string, JsonObject>,
  ctx: EvalContext,
): GroupDecl[] {
  const duplicates = new DuplicateTracker('DuplicateGroup', 'group', ctx);
  const groups: GroupDecl[] = [];
  for (const { block } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const bad = (message: string, span = block.span, hint = GROUP_SHAPE) =>
      ctx.error('BadGroupBody', `group \`${name}\`: ${message}`, span, hint);
    let members: string[] | undefined;
    let description: string | undefined;
    for (const item of block.body) {
      if (item.type === 'block') throw bad(`nested block \`${item.kind}\` is not allowed`, item.kindSpan);
      if (item.name !== 'hosts' && item.name !== 'description') {
        throw bad(`unknown attribute \`${item.name}\``, item.nameSpan);
      }
      if ((item.name === 'hosts' ? members : description) !== undefined) {
        throw bad(`\`${item.name}\` is set twice`, item.nameSpan, 'set each attribute once');
      }
      if (item.name === 'description') {
        if (item.value.type !== 'string') throw bad('`description` must be a string', item.value.span);
        description = item.value.value;
        continue;
      }
      if (item.value.type !== 'list') throw bad('`hosts` must be a list of `host.<name>`', item.value.span);
      members = [];
      const seen = new Set<string>();
      for (const entry of item.value.items) {
        const [root, host, ...rest] = entry.type === 'ref' ? entry.segments : [];
        if (entry.type !== 'ref' || root !== 'host' || host === undefined || rest.length > 0) {
          throw bad(
            `\`hosts\` holds host references, found ${entry.type === 'ref' ? `\`${refText(entry)}\`` : `a ${entry.type}`}`,
            entry.span,
            'write each member as `host.<name>`, the name of a host block',
          );
        }
        if (!hosts.has(host)) {
          throw ctx.error(
            'UnknownHost',
            `unknown host \`${host}\` in group \`${name}\``,
            entry.span,
            `declare \`host "${host}" { ... }\` in one of the loaded files, or fix the name`,
          );
        }
        if (seen.has(host)) throw bad(`host \`${host}\` is listed twice`, entry.span, 'list each host once');
        seen.add(host);
        members.push(host);
      }
    }
    if (members === undefined) throw bad('`hosts` is missing');
    groups.push({
      name,
      hosts: members,
      description,
      file: block.span.file,
      location: toLocation(block.span),
    });
  }
  return groups;
}
