import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';

/** A temporary directory for config files, removed by `dispose`. */
export function tempWorkspace(): { dir: string; write(name: string, text: string): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-lsp-'));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A diagnostic's message as `stratum validate` lists it: the first line, then ` (hint)`. */
export function listedText(d: Diagnostic, withHint: boolean): string {
  const [first, ...rest] = messageText(d).split('\n');
  const hint = rest.find((line) => line.startsWith('hint: '))?.slice('hint: '.length);
  return withHint && hint ? `${first} (${hint})` : first!;
}

/** A diagnostic's message as text (LSP 3.18 also allows markup). */
export function messageText(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}
