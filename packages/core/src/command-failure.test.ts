import { describe, expect, it } from 'vitest';
import { CommandFailedError, lastLine, outputTail } from './command-failure';

describe('outputTail / lastLine', () => {
  it('keeps the last lines and drops trailing blanks', () => {
    const text = `${Array.from({ length: 30 }, (_, i) => `line ${i}  `).join('\n')}\n\n`;
    const tail = outputTail(text);
    expect(tail.split('\n')).toHaveLength(20);
    expect(tail.endsWith('line 29')).toBe(true);
    expect(outputTail('x'.repeat(5000)).length).toBe(2001);
    expect(lastLine('a\n b \n\n')).toBe('b');
    expect(lastLine('\n')).toBe('');
  });
});

describe('CommandFailedError', () => {
  it('names resource, step, host and exit code, with the output tail', () => {
    const error = new CommandFailedError({
      resource: 'system_package.curl',
      host: 'root@h',
      step: 'apt-get install curl',
      exitCode: 100,
      output: 'E: Unable to locate package curl\n',
    });
    expect(error.code).toBe('CommandFailed');
    expect(error.message).toBe(
      'system_package.curl: apt-get install curl failed on root@h (exit 100):\nE: Unable to locate package curl',
    );
    expect(new CommandFailedError({ ...error, output: '', detail: 'status: dead' }).message).toMatch(
      /\(no output\)\nstatus: dead$/,
    );
  });
});
