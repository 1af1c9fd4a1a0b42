import type { JsonObject } from '@stratum/core';
import type { Block, BodyItem, Span } from '../ast';
import type { EvalContext } from './context';
import { setOwn } from './json';
import { evaluateExpression, type ResolveRef } from './values';

/** A block body as JSON, with where each top-level key was set. */
export interface EvaluatedBody {
  attrs: JsonObject;
  /** Top-level key → the span of the attribute or nested block that set it. */
  spans: Map<string, Span>;
}

/**
 * The key a nested block folds into: its kind, then its labels joined with
 * `_` (`meta`, `listener_http_8080`).
 */
export function nestedBlockKey(block: Block): string {
  return block.labels.length === 0 ? block.kind : [block.kind, ...block.labels.map((l) => l.value)].join('_');
}

/**
 * Evaluates a body: attributes become keys, nested blocks fold into the
 * parent under {@link nestedBlockKey}. A key set twice in one body is a
 * `DuplicateAttribute` error rather than a silent "last one wins".
 */
export function evaluateBody(
  items: readonly BodyItem[],
  resolve: ResolveRef,
  ctx: EvalContext,
): EvaluatedBody {
  const attrs: JsonObject = {};
  const spans = new Map<string, Span>();
  for (const item of items) {
    const key = item.type === 'attribute' ? item.name : nestedBlockKey(item);
    const keySpan = item.type === 'attribute' ? item.nameSpan : item.kindSpan;
    const first = spans.get(key);
    if (first !== undefined) {
      throw ctx.error(
        'DuplicateAttribute',
        item.type === 'attribute'
          ? `duplicate attribute \`${key}\`: already set on line ${first.start.line}`
          : `nested block \`${item.kind}\` folds into key \`${key}\`, which is already set on line ${first.start.line}`,
        keySpan,
        'set each attribute once per block; remove or rename one of them',
      );
    }
    spans.set(key, item.span);
    const value =
      item.type === 'attribute'
        ? evaluateExpression(item.value, resolve, ctx)
        : evaluateBody(item.body, resolve, ctx).attrs;
    setOwn(attrs, key, value);
  }
  return { attrs, spans };
}
