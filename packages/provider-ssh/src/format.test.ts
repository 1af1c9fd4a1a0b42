import { describe, expect, it } from 'vitest';
import { commandSummary } from './errors';
import { formatCommandFailure } from './format';

describe('formatCommandFailure', () => {
  it('shows the exit code and a one-line stderr inline', () => {
    expect(formatCommandFailure({ exitCode: 2, stdout: '', stderr: 'ls: cannot access x\n' }, 'ls x')).toBe(
      'command `ls x` failed (exit 2): ls: cannot access x',
    );
  });

  it('keeps the last 20 lines of a long stderr', () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const message = formatCommandFailure({ exitCode: 1, stdout: '', stderr }, 'apt-get install -y nginx');
    expect(message).toContain('(last 20 of 30 lines)\nline 11\n');
    expect(message.endsWith('line 30')).toBe(true);
    expect(message).not.toContain('line 10\n');
  });

  it('falls back to stdout, then to "(no output)"', () => {
    expect(formatCommandFailure({ exitCode: 1, stdout: 'only stdout\n', stderr: '' }, 'x')).toContain(
      'only stdout',
    );
    expect(formatCommandFailure({ exitCode: 1, stdout: '', stderr: '' }, 'x')).toContain('(no output)');
  });
});

describe('commandSummary', () => {
  it('shows the first non-empty line, marks more, and cuts long lines', () => {
    expect(commandSummary('true')).toBe('true');
    expect(commandSummary('\n  set -e\n  make\n')).toBe('set -e ...');
    expect(commandSummary('x'.repeat(200))).toHaveLength(120);
  });
});
