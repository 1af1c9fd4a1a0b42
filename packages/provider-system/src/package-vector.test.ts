import type { Observed } from '@stratum/core';
import { shellQuote } from '@stratum/core/kit';
import { createLocalShellTransport } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { packageVectorReader, systemPackageKind } from './package-kind';

/**
 * The vector read of a host's packages against each package's own probe, on
 * this machine's real dpkg-query (a read: nothing is installed or changed).
 */

const transport = createLocalShellTransport();
const hasDpkg = (await transport.exec('local', 'command -v dpkg-query')).exitCode === 0;

function probeOf(name: string) {
  return systemPackageKind.probe!({ kind: 'system_package', name, prior: { host: 'local', name } });
}

async function vectorRead(names: readonly string[]): Promise<(Observed | undefined)[]> {
  const wrapped = `( eval ${shellQuote(packageVectorReader.script(names))} ) </dev/null 2>&1`;
  const { stdout, exitCode } = await transport.exec('local', wrapped);
  return packageVectorReader
    .split(stdout, exitCode, names)
    .map((run, at) => (run === undefined ? undefined : probeOf(names[at]!).parse(run.output, run.exitCode)));
}

describe.skipIf(!hasDpkg)('the package vector read (real dpkg-query)', () => {
  it('says for each package what its own probe says; patterns and arch names are left to their own', async () => {
    const names = ['bash', 'coreutils', 'no-such-package-xyz', 'libc6', 'libc6:amd64', 'bash*', 'dpkg'];
    const vector = await vectorRead(names);
    for (const [at, name] of names.entries()) {
      const own = await runProbe(transport, probeOf(name));
      if (/[:*]/.test(name)) expect(vector[at]).toBeUndefined();
      else expect(vector[at], name).toEqual(own);
    }
    expect(vector[0]).toEqual({ status: 'present', attrs: { state: 'present' } });
    expect(vector[2]).toEqual({ status: 'present', attrs: { state: 'absent' } });
  });
});

describe('the package vector split', () => {
  it('reads a host without dpkg as each probe would', () => {
    const parts = packageVectorReader.split('NO_DPKG\n', 0, ['a', 'b']);
    expect(parts).toEqual([
      { output: 'NO_DPKG\n', exitCode: 0 },
      { output: 'NO_DPKG\n', exitCode: 0 },
    ]);
  });
  it('answers nothing for output it does not recognise', () => {
    expect(packageVectorReader.split('garbage\n', 0, ['a'])).toEqual([undefined]);
    expect(packageVectorReader.split('a|install ok installed\n', 0, ['a'])).toEqual([undefined]);
    expect(packageVectorReader.split('a|install ok installed\nrc=2\n', 0, ['a'])).toEqual([undefined]);
    expect(packageVectorReader.split('rc=0\n', 0, ['a'])).toEqual([undefined]);
  });
});
