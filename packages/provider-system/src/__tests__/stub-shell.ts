import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One program invocation a stubbed command made. */
export interface Invocation {
  program: string;
  args: string[];
}

export interface StubRun {
  invocations: Invocation[];
  exitCode: number;
  stderr: string;
}

/**
 * Runs `command` with `/bin/sh -c` where PATH holds only stubs named
 * `programs`, each of which records its argv and exits 0. Shows exactly which
 * programs a built command runs and with which arguments, and proves nothing
 * else runs (any other program is "not found"). Shell builtins still work.
 */
export function runWithStubs(command: string, programs: readonly string[], cwd?: string): StubRun {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-stubs-'));
  try {
    const log = join(dir, 'log');
    writeFileSync(log, '');
    for (const program of programs) {
      const stub = join(dir, program);
      writeFileSync(stub, `#!/bin/sh\n{ printf '\\001'; printf '%s\\0' "\${0##*/}" "$@"; } >> "$STUB_LOG"\n`);
      chmodSync(stub, 0o755);
    }
    const result = spawnSync('/bin/sh', ['-c', command], {
      env: { PATH: dir, STUB_LOG: log },
      encoding: 'utf8',
      cwd: cwd ?? dir,
    });
    const invocations = readFileSync(log, 'utf8')
      .split('\u0001')
      .filter((record) => record !== '')
      .map((record) => {
        const [program, ...args] = record.slice(0, -1).split('\0');
        return { program: program!, args };
      });
    return { invocations, exitCode: result.status ?? -1, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Values a config could carry that would do damage if pasted into a command unquoted. */
export const HOSTILE_VALUES = [
  "it's",
  'a b',
  '$(touch /tmp/stratum-pwned)',
  '`touch /tmp/stratum-pwned`',
  '; touch /tmp/stratum-pwned',
  'x && touch /tmp/stratum-pwned',
  '*',
  '$HOME',
  "'; touch /tmp/stratum-pwned; '",
  'line\nbreak',
  '~root',
  '"quoted"',
  '\\back',
] as const;
