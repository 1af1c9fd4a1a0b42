import type { JsonValue, Observed, Probe } from '@stratum/core';
import { observedAccount, observedMode, outputTail, priorObject, shellQuote } from '@stratum/core/kit';

/**
 * The probe `system_file` and `system_secret_file` share. It prints `MISSING`,
 * or one line `FILE|<mode>|<owner>|<group>|<uid>|<gid>|<sha256>` (the numeric
 * ids let a prior that names the owner by id compare equal). The content is
 * hashed on the host and never leaves it.
 */
export function fileProbeScript(path: string): string {
  return [
    `p=${shellQuote(path)}`,
    'if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo MISSING; exit 0; fi',
    `st=$(stat -L -c '%a|%U|%G|%u|%g' -- "$p") || exit 1`,
    'h=$(sha256sum < "$p") || exit 1',
    `printf 'FILE|%s|%s\\n' "$st" "\${h%% *}"`,
  ].join('\n');
}

const LINE = /^FILE\|([0-7]{1,4})\|([^|]*)\|([^|]*)\|(\d+)\|(\d+)\|([0-9a-f]{64})$/;

export interface FileProbeTarget {
  kind: string;
  host: string;
  path: string;
  prior: JsonValue;
  /** Leave the probe's raw output out of an `unknown` reason (secret files). */
  quiet?: boolean;
}

/** Parses {@link fileProbeScript}'s output into `{ host, path, mode, owner, group, sha256 }`. */
export function parseFileProbe(target: FileProbeTarget, output: string, exitCode: number): Observed {
  const lines = output.split('\n').map((line) => line.trim());
  if (exitCode === 0 && lines.includes('MISSING')) return { status: 'absent' };
  const match = exitCode === 0 ? lines.map((line) => LINE.exec(line)).find((m) => m !== null) : undefined;
  if (match) {
    const [, mode, owner, group, uid, gid, sha256] = match as unknown as string[];
    const prior = priorObject(target.prior);
    return {
      status: 'present',
      attrs: {
        host: target.host,
        path: target.path,
        mode: observedMode(mode!, prior.mode),
        owner: observedAccount(owner!, uid!, prior.owner),
        group: observedAccount(group!, gid!, prior.group),
        sha256: sha256!,
      },
    };
  }
  const detail = target.quiet ? `${output.length} bytes of output` : JSON.stringify(outputTail(output, 5));
  return {
    status: 'unknown',
    reason: `${target.kind} read of ${target.path} on ${target.host} failed (exit ${exitCode}): ${detail}`,
  };
}

/** The probe for a file resource whose prior names `host` and `path`. */
export function fileProbe(target: FileProbeTarget): Probe {
  return {
    host: target.host,
    script: fileProbeScript(target.path),
    parse: (output, exitCode) => parseFileProbe(target, output, exitCode),
  };
}
