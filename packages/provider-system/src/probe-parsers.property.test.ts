import type { Observed } from '@stratum/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDirProbe } from './dir-probe';
import { parseFileProbe } from './file-probe';
import { parsePackageProbe } from './package-kind';
import { parseServiceProbe } from './service-commands';
import { observeUfwRule } from './ufw-rule-kind';

/** Whatever a host prints, a parser returns an observation and never throws. */
const outputs = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(
      fc.constantFrom(
        'MISSING',
        'DIR',
        'END',
        'FILE|644|root|root|0|0|',
        'status=',
        'rc=0',
        'UFW_RC=0',
        'ufw allow 22/tcp',
        '\0',
        'enabled=',
        'active=active',
        'Added user rules',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('\n')),
);
const exitCodes = fc.integer({ min: 0, max: 255 });

function isObservation(observed: Observed): boolean {
  return (
    observed.status === 'present' ||
    observed.status === 'absent' ||
    (observed.status === 'unknown' && observed.reason !== '')
  );
}

describe('probe parsers on arbitrary output', () => {
  it('never throw and always return a well-formed observation', () => {
    fc.assert(
      fc.property(outputs, exitCodes, (output, exitCode) => {
        const target = { kind: 'system_file', host: 'h', path: '/p', prior: {} };
        expect(isObservation(parseFileProbe(target, output, exitCode))).toBe(true);
        expect(isObservation(parseDirProbe({ host: 'h', path: '/p' }, output, exitCode))).toBe(true);
        expect(isObservation(parsePackageProbe(output, exitCode, 'h'))).toBe(true);
        expect(
          isObservation(observeUfwRule({ host: 'h', port: '22/tcp', rule: 'allow' }, output, exitCode)),
        ).toBe(true);
        parseServiceProbe(output);
      }),
      { numRuns: 2000 },
    );
  });

  it('a non-zero exit is never read as present or absent for files and dirs', () => {
    fc.assert(
      fc.property(outputs, fc.integer({ min: 1, max: 255 }), (output, exitCode) => {
        expect(
          parseFileProbe({ kind: 'system_file', host: 'h', path: '/p', prior: {} }, output, exitCode).status,
        ).toBe('unknown');
        expect(parseDirProbe({ host: 'h', path: '/p' }, output, exitCode).status).toBe('unknown');
      }),
    );
  });
});
