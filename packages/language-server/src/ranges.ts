import type { Span } from '@stratum/config';
import type { Position, Range } from 'vscode-languageserver';

/**
 * Positions between stratum's spans (1-based line and column, exclusive end)
 * and LSP's (0-based line and character).
 */
export function spanRange(span: Span): Range {
  return {
    start: { line: Math.max(0, span.start.line - 1), character: Math.max(0, span.start.column - 1) },
    end: { line: Math.max(0, span.end.line - 1), character: Math.max(0, span.end.column - 1) },
  };
}

/** Whether the 0-based LSP `position` falls inside `span` (its end included, where a cursor sits after a word). */
export function spanContains(span: Span, position: Position): boolean {
  const line = position.line + 1;
  const column = position.character + 1;
  if (line < span.start.line || line > span.end.line) return false;
  if (line === span.start.line && column < span.start.column) return false;
  if (line === span.end.line && column > span.end.column) return false;
  return true;
}

/** The identifier-ish word (letters, digits, `_`, `-`) around a 1-based line and column, as a range. */
export function wordRange(text: string, line: number, column: number): Range {
  const lineText = text.split(/\r?\n/)[line - 1] ?? '';
  let start = Math.max(0, column - 1);
  let end = start;
  while (end < lineText.length && /[\w-]/.test(lineText[end]!)) end++;
  while (start > 0 && /[\w-]/.test(lineText[start - 1]!) && end > start) start--;
  if (end === start) end = Math.min(lineText.length, start + 1);
  return { start: { line: line - 1, character: start }, end: { line: line - 1, character: end } };
}
