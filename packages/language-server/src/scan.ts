/**
 * Where a cursor is, read from the raw text — which is half typed while
 * completing, so it rarely parses. Skips strings (with `${...}` nesting) and
 * `#`, `//`, `/* *\/` comments, and keeps the headers of the blocks the cursor
 * is inside: `resource "system_file" "motd"`, outermost first.
 */
export interface CursorContext {
  /** Headers of the enclosing blocks, each as its words: `["resource", "system_file", "motd"]`. */
  blocks: string[][];
  /** Inside a string literal (not in one of its `${...}`). */
  inString: boolean;
  /** The text of the cursor's line before it. */
  linePrefix: string;
}

export function cursorContext(text: string, offset: number): CursorContext {
  const blocks: string[][] = [];
  // What is open: '"' a string, '$' a `${` inside one, '{' a block or map, '[' a list.
  const open: string[] = [];
  let headerStart = 0;
  let i = 0;
  while (i < offset) {
    const c = text[i]!;
    const next = text[i + 1];
    const top = open.at(-1);
    if (top === '"') {
      if (c === '\\') i += 2;
      else if (c === '"') {
        open.pop();
        i++;
      } else if (c === '$' && next === '{') {
        open.push('$');
        i += 2;
      } else i++;
      continue;
    }
    if (c === '#' || (c === '/' && next === '/')) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? offset : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? offset : end + 2;
      continue;
    }
    if (c === '"') open.push('"');
    else if (c === '[') open.push('[');
    else if (c === ']' && top === '[') open.pop();
    else if (c === '{') {
      const header = text.slice(headerStart, i).trim();
      // A block when a name (and labels) stand before it; `= {` opens a map.
      const isBlock = /^[A-Za-z_][\w-]*(\s+"[^"]*")*$/.test(header) && open.every((o) => o === 'B');
      open.push(isBlock ? 'B' : '{');
      if (isBlock) blocks.push(header.split(/\s+/).map((word) => word.replace(/^"|"$/g, '')));
    } else if (c === '}') {
      if (top === '$') open.pop();
      else if (top === 'B') {
        open.pop();
        blocks.pop();
      } else if (top === '{') open.pop();
    }
    if (c === '\n' || c === '{' || c === '}') headerStart = i + 1;
    i++;
  }
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return { blocks, inString: open.at(-1) === '"', linePrefix: text.slice(lineStart, offset) };
}
