import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool } from './run-tool';

/**
 * The TextMate grammar against the annotated samples in test/ (each line of
 * `^^^ scope` under a source line says what scope those characters get),
 * with vscode-tmgrammar-test, the runner VS Code grammar authors use.
 */
describe('the strat TextMate grammar', () => {
  it('gives every sample its annotated scopes', async () => {
    const result = await runTool('vscode-tmgrammar-test', [
      '-g',
      'syntaxes/strat.tmLanguage.json',
      'test/*.strat',
    ]);
    expect(result.stdout).toContain('test/blocks.strat run successfuly');
    expect(result.stdout).toContain('test/strings-and-comments.strat run successfuly');
    expect(result.code).toBe(0);
  });

  it('fails a sample whose annotation the grammar does not meet', async () => {
    // A `#` inside a string is no comment: a sample claiming it is must fail, or the runner checks nothing.
    const dir = mkdtempSync(join(tmpdir(), 'strat-grammar-'));
    try {
      const sample = join(dir, 'wrong.strat');
      writeFileSync(
        sample,
        '# SYNTAX TEST "source.strat" "wrong on purpose"\ntext = "# not a comment"\n#        ^^^^^ comment.line.number-sign.strat\n',
      );
      const result = await runTool('vscode-tmgrammar-test', ['-g', 'syntaxes/strat.tmLanguage.json', sample]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain('missing required scopes: comment.line.number-sign.strat');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
