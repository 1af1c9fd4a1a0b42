import type { JsonValue, Observed, Probe, VectorReader, VectorRun } from '@stratum/core';
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
    vector: { reader: fileVectorReader, arg: target.path },
  };
}

/**
 * Every file of a host read at once: one `stat` and one `sha256sum` over all
 * paths (through `xargs`, so no argument list is too long), where
 * {@link fileProbeScript} costs a subshell and two processes per file.
 *
 * Output: `M` records (NUL-terminated paths that do not exist), then `S`
 * records from `stat` (`<mode>|<owner>|<group>|<uid>|<gid>|<path>`), then `H`
 * records from `sha256sum -z` (`<sha256>  <path>`, names unescaped), each
 * section NUL-separated and closed by a line of its own. Errors of `stat` and
 * `sha256sum` are dropped: a path they fail on simply has no record, and is
 * read again by its own probe, which reports the error as today.
 */
export const fileVectorReader: VectorReader = {
  id: 'stratum:file-stat-sha256',
  script(paths) {
    const existing = 'for p do if [ -e "$p" ] || [ -L "$p" ]; then printf \'%s\\0\' "$p"; fi; done';
    return [
      `set -- ${paths.map(shellQuote).join(' ')}`,
      `printf 'M\\n'`,
      'for p do if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf \'%s\\0\' "$p"; fi; done',
      `printf '\\nS\\n'`,
      `${existing} | xargs -0 -r stat -L --printf '%a|%U|%G|%u|%g|%n\\0' -- 2>/dev/null`,
      `printf '\\nH\\n'`,
      `${existing} | LC_ALL=C xargs -0 -r sha256sum -z -- 2>/dev/null`,
      `printf '\\nEND\\n'`,
    ].join('\n');
  },
  split(output, _exitCode, paths) {
    const sections = vectorSections(output, ['M', 'S', 'H']);
    if (sections === undefined) return paths.map(() => undefined);
    const [missingPart, statPart, hashPart] = sections as [string[], string[], string[]];
    const missing = new Set(missingPart);
    const stats = new Map<string, string>();
    for (const record of statPart) {
      const fields = record.split('|');
      if (fields.length >= 6) stats.set(fields.slice(5).join('|'), fields.slice(0, 5).join('|'));
    }
    const hashes = new Map<string, string>();
    for (const record of hashPart) {
      const match = /^([0-9a-f]{64}) {2}([\s\S]*)$/.exec(record);
      if (match) hashes.set(match[2]!, match[1]!);
    }
    return paths.map((path): VectorRun | undefined => {
      if (missing.has(path)) return { output: 'MISSING\n', exitCode: 0 };
      const stat = stats.get(path);
      const hash = hashes.get(path);
      return stat === undefined || hash === undefined
        ? undefined
        : { output: `FILE|${stat}|${hash}\n`, exitCode: 0 };
    });
  },
};

/**
 * Takes `<A>\n rec\0 rec\0 … \n<B>\n rec\0 … \nEND\n` apart, record by record:
 * a section's heading is only looked for where a record may start, so no path
 * (which never holds a NUL) can pass for one. Undefined for any other shape.
 */
export function vectorSections(output: string, headings: readonly string[]): string[][] | undefined {
  const sections: string[][] = [];
  let at = 0;
  for (const [index, heading] of headings.entries()) {
    const open = index === 0 ? `${heading}\n` : `\n${heading}\n`;
    if (!output.startsWith(open, at)) return undefined;
    at += open.length;
    const next = index + 1 < headings.length ? `\n${headings[index + 1]}\n` : '\nEND\n';
    const records: string[] = [];
    while (!output.startsWith(next, at)) {
      const nul = output.indexOf('\0', at);
      if (nul === -1) return undefined;
      records.push(output.slice(at, nul));
      at = nul + 1;
    }
    sections.push(records);
  }
  return output.length === at + '\nEND\n'.length ? sections : undefined;
}
