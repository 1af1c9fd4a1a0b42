import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildProbeScript,
  decodeProbeScript,
  newProbeNonce,
  PROBE_BATCH_COMMAND,
  renderProbeOutput,
  splitProbeOutput,
} from './probe-batch';
import { createLocalShellTransport } from './test/local-shell-transport';

const shell = createLocalShellTransport();

/** Runs a batch through the real /bin/sh, as refresh does on a host. */
async function runBatch(scripts: string[]) {
  const nonce = newProbeNonce();
  const result = await shell.exec('local', PROBE_BATCH_COMMAND, { stdin: buildProbeScript(scripts, nonce) });
  return { result, ...splitProbeOutput(result.stdout, nonce, scripts.length) };
}

describe('probe batch through a real shell', () => {
  it('recovers each probe’s output and exit code exactly', async () => {
    const { runs } = await runBatch([
      'echo hello',
      "printf 'no newline'",
      'echo out; echo err >&2; exit 3',
      'true',
      "printf 'two\\n\\n'",
      "cat <<'EOF'\nit's a heredoc with 'quotes' and $HOME\nEOF",
    ]);
    expect(runs).toEqual([
      { output: 'hello\n', exitCode: 0 },
      { output: 'no newline', exitCode: 0 },
      { output: 'out\nerr\n', exitCode: 3 },
      { output: '', exitCode: 0 },
      { output: 'two\n\n', exitCode: 0 },
      { output: "it's a heredoc with 'quotes' and $HOME\n", exitCode: 0 },
    ]);
  });

  it('confines exit, cd, variables and syntax errors to their own probe', async () => {
    const { runs } = await runBatch([
      'X=1; cd /; exit 7',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'echo "x=${X:-unset}"; pwd',
      'if then fi',
      'echo after',
    ]);
    expect(runs[0]).toEqual({ output: '', exitCode: 7 });
    expect(runs[1]!.output).toBe(`x=unset\n${process.cwd()}\n`);
    expect(runs[2]!.exitCode).not.toBe(0);
    expect(runs[2]!.output).toMatch(/syntax error/i);
    expect(runs[3]).toEqual({ output: 'after\n', exitCode: 0 });
  });

  it('gives a probe that reads stdin nothing, so the rest of the script survives', async () => {
    const { runs } = await runBatch(['cat; echo read-done', 'echo still-here']);
    expect(runs).toEqual([
      { output: 'read-done\n', exitCode: 0 },
      { output: 'still-here\n', exitCode: 0 },
    ]);
  });

  it('cannot be fooled by a probe that prints the script itself', async () => {
    // The probe has the script's text (its sentinels' printf lines) in its output.
    const { runs } = await runBatch([
      `ps -o args= -p $$ 2>/dev/null; cat /proc/$$/cmdline 2>/dev/null | tr '\\0' ' '`,
      'echo two',
    ]);
    expect(runs[1]).toEqual({ output: 'two\n', exitCode: 0 });
  });

  it('reports the probes after one that kills the whole script as not run', async () => {
    const { runs, started, result } = await runBatch(['echo one', 'echo dying; kill -9 $$', 'echo three']);
    expect(started).toBe(true);
    expect(runs[0]).toEqual({ output: 'one\n', exitCode: 0 });
    expect(runs[1]).toBeUndefined();
    expect(runs[2]).toBeUndefined();
    expect(result.exitCode).toBe(137);
  });
});

describe('splitProbeOutput', () => {
  const nonce = 'abc123';

  it('skips what a login shell printed before the script started', () => {
    const out = `Welcome!\n${renderProbeOutput(nonce, [{ output: 'x', exitCode: 1 }])}`;
    expect(splitProbeOutput(out, nonce, 1)).toEqual({ runs: [{ output: 'x', exitCode: 1 }], started: true });
  });

  it('says when the script never started', () => {
    expect(splitProbeOutput('sh: not found\n', nonce, 2)).toEqual({
      runs: [undefined, undefined],
      started: false,
    });
  });

  it('accepts a last sentinel without its newline (output cut at the very end)', () => {
    const out = renderProbeOutput(nonce, [{ output: 'a', exitCode: 0 }]).slice(0, -1);
    expect(splitProbeOutput(out, nonce, 1).runs).toEqual([{ output: 'a', exitCode: 0 }]);
  });

  it('treats a sentinel cut inside its exit code as not reported', () => {
    const out = `${renderProbeOutput(nonce, [{ output: 'a', exitCode: 0 }])}b\n__STRATUM_PROBE_${nonce} 1 `;
    expect(splitProbeOutput(out, nonce, 2).runs).toEqual([{ output: 'a', exitCode: 0 }, undefined]);
  });

  it('recovers every probe’s output exactly, whatever the outputs contain (property)', () => {
    const nonceArb = fc.stringMatching(/^[0-9a-f]{8,24}$/);
    // Outputs mixing arbitrary text with lookalike sentinels: other nonces, our
    // prefix without a nonce, our nonce with a wrong index or no newline before it.
    const lookalike = (n: string) =>
      fc.constantFrom(
        `\n__STRATUM_PROBE_deadbeef 0 0\n`,
        `\n__STRATUM_PROBE_ 1 0\n`,
        `__STRATUM_PROBE_${n} 0 0\n`,
        `\n__STRATUM_PROBE_${n}x 0 0\n`,
        `__STRATUM_PROBE_${n} begin\n`,
        '\n',
        '',
      );
    const arb = nonceArb.chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(
          fc.record({
            output: fc
              .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), lookalike(n)), { maxLength: 4 })
              .map((p) => p.join(''))
              // Pieces may join into a true sentinel; only one carrying the nonce could, which a probe cannot know.
              .filter((o) => !o.includes(`\n__STRATUM_PROBE_${n} `)),
            exitCode: fc.integer({ min: 0, max: 255 }),
          }),
          { maxLength: 6 },
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ([n, runs]) => {
        expect(splitProbeOutput(renderProbeOutput(n, runs), n, runs.length)).toEqual({ runs, started: true });
      }),
      { numRuns: 300 },
    );
  });
});

describe('decodeProbeScript', () => {
  it('takes any batch script apart again (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
          { maxLength: 6 },
        ),
        (scripts) => {
          const nonce = newProbeNonce();
          expect(decodeProbeScript(buildProbeScript(scripts, nonce))).toEqual({ nonce, scripts });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns undefined for other scripts', () => {
    expect(decodeProbeScript('echo hi\n')).toBeUndefined();
  });

  it('refuses a nonce that is not hex', () => {
    expect(() => buildProbeScript([], "x'y")).toThrow(/hex/);
  });
});
