import type { JsonObject } from '@stratum/core';
import type { Span } from '../ast';
import type { HostDecl } from '../extracted';
import { evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { describeJson, getOwn } from './json';
import { expectLabels } from './labels';
import { forbidReferences } from './references';

/** A host plus where its attributes were written (the implicit resources point at `addr`). */
export interface EvaluatedHost {
  decl: HostDecl;
  spans: Map<string, Span>;
}

/**
 * Pass 1: host blocks, evaluated with an empty scope. Hosts can reference
 * nothing, so any reference (bare or inside a `${...}`) is an error.
 */
export function evaluateHosts(blocks: readonly UnitBlock[], ctx: EvalContext): EvaluatedHost[] {
  const refs = forbidReferences(
    'RefInHostBlock',
    'references not allowed inside host blocks',
    'host blocks are evaluated first and must be literals; write the value out',
    ctx,
  );
  const duplicates = new DuplicateTracker('DuplicateHost', 'host', ctx);
  const hosts: EvaluatedHost[] = [];
  for (const { block } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const { attrs, spans } = evaluateBody(block.body, refs, ctx);
    checkTuning(name, attrs, spans, ctx);
    hosts.push({ decl: { name, attrs, file: block.span.file, location: toLocation(block.span) }, spans });
  }
  return hosts;
}

/** `tuning = false` opts a host out of the implicit per-host resources; nothing but a bool is accepted. */
function checkTuning(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const tuning = getOwn(attrs, 'tuning');
  if (tuning === undefined || typeof tuning === 'boolean') return;
  throw ctx.error(
    'BadHostTuning',
    `host \`${name}\`: \`tuning\` must be true or false, found ${describeJson(tuning)}`,
    spans.get('tuning'),
    'write `tuning = false` to skip the implicit swap and sshd resources for this host, or remove the attribute',
  );
}
