import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, STACK_LINE, useWorkspacePerTest } from './harness';

/**
 * Flags that used to be ignored or intercepted: a flag given no value, a state
 * path that does not exist, colour and the live progress line, a mistyped
 * command, and `--env-file` after the command.
 */

const t = useWorkspacePerTest();

const CONFIG = `${hostBlock('box')}
resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = "a\\n"
}
`;

/** An SGR sequence: colour or bold/dim. */
const COLOUR = /\u001b\[\d+(;\d+)*m/;
/** What the live status line writes to clear itself. */
const LIVE_LINE = '\r\u001b[2K';

describe('a flag that takes a value but got none', { timeout: 30_000 }, () => {
  it('is an error naming the flag, before anything is read or written', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const runs = [
      await t.ws.run(['plan', '-c']),
      await t.ws.run(['plan', '-c', '--refresh']),
      await t.ws.run(['apply', '-y', '-s']),
      await t.ws.run(['plan', '--env-file']),
      await t.ws.run(['state', 'list', '-p']),
      await t.ws.run(['status', '--host']),
    ];
    for (const run of runs) expectExit(run, 1);
    expectGolden('flag-without-value', t.ws, ...runs);
    expect(t.ws.exists('.stratum')).toBe(false);
  });

  it('--env-file after the command reaches stratum, not node', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const missing = await t.ws.run(['plan', '--env-file', 'missing.env']);
    expectExit(missing, 1);
    expect(missing.stderr).toBe(
      'Error: env file missing.env does not exist\nhint: check the --env-file path; only files named with --env-file are loaded when the flag is given\n',
    );
  });
});

describe('state list / show of a state file that is not there', { timeout: 30_000 }, () => {
  it('is a StateNotFound error, while plan keeps reading a missing state as empty', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const explicit = await t.ws.run(['state', 'list', '-p', '/nonexistent/x.json']);
    expectExit(explicit, 1);
    const byDefault = await t.ws.run(['state', 'list']);
    expectExit(byDefault, 1);
    const show = await t.ws.run(['state', 'show', 'ssh_file.a', '--path', 'nope.json']);
    expectExit(show, 1);
    expectGolden('state-file-missing', t.ws, explicit, byDefault, show);
    expectExit(await t.ws.run(['plan', '-s', 'nope.json']), 0);
  });
});

describe('a mistyped command', { timeout: 30_000 }, () => {
  it('gets a did-you-mean in one line, with a hint', async () => {
    const runs = [
      await t.ws.run(['paln']),
      await t.ws.run(['aply', '-y']),
      await t.ws.run(['state', 'lsit']),
      await t.ws.run(['xyzzy']),
    ];
    for (const run of runs) expectExit(run, 1);
    expectGolden('did-you-mean', t.ws, ...runs);
    for (const run of runs) expect(run.stderr.trimEnd().split('\n')).toHaveLength(2);
  });
});

describe('colour', { timeout: 60_000 }, () => {
  it('FORCE_COLOR colours output that goes into a pipe; FORCE_COLOR=0 and --no-color do not', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const plan = await t.ws.run(['plan'], { env: { FORCE_COLOR: '1' } });
    expectExit(plan, 0);
    expect(plan.stdout).toContain('\u001b[32m+ ssh_file.a\u001b[39m');
    const error = await t.ws.run(['plan', '-c', 'nope.strat'], { env: { FORCE_COLOR: '1' } });
    expect(error.stderr).toMatch(/^\u001b\[31mError:\u001b\[39m /);
    const zero = await t.ws.run(['plan'], { env: { FORCE_COLOR: '0' } });
    expect(zero.stdout).not.toMatch(COLOUR);
    const flag = await t.ws.run(['plan', '--no-color'], { env: { FORCE_COLOR: '1' } });
    expectExit(flag, 0);
    expect(flag.stdout).not.toMatch(COLOUR);
  });

  it('on a terminal: colour by default; --no-color and a non-empty NO_COLOR turn it off', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const plain = await t.ws.runInTerminal(['plan']);
    expect(plain.code).toBe(0);
    expect(plain.terminal).toContain('\u001b[32m+ ssh_file.a\u001b[39m');
    const flag = await t.ws.runInTerminal(['plan', '--no-color']);
    expect(flag.code).toBe(0);
    expect(flag.terminal).toContain('+ ssh_file.a');
    expect(flag.terminal).not.toMatch(COLOUR);
    const noColor = await t.ws.runInTerminal(['plan'], { env: { NO_COLOR: '1' } });
    expect(noColor.terminal).not.toMatch(COLOUR);
    // NO_COLOR counts only when it is not empty.
    const empty = await t.ws.runInTerminal(['plan'], { env: { NO_COLOR: '' } });
    expect(empty.terminal).toMatch(COLOUR);
  });
});

describe('the live progress line', { timeout: 60_000 }, () => {
  const fresh = () => {
    rmSync(join(t.ws.dir, '.stratum'), { recursive: true, force: true });
    rmSync(t.ws.hostPath('a'), { force: true });
  };

  it('is drawn when stderr is a terminal, whatever the colour setting', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const apply = await t.ws.runInTerminal(['apply', '-y', '--no-color']);
    expect(apply.code).toBe(0);
    expect(apply.terminal).toContain(LIVE_LINE);
    expect(apply.terminal).toContain('\u2713 + ssh_file.a (');
    expect(apply.terminal).not.toMatch(COLOUR);

    // stdout into a file, stderr still the terminal: the line is drawn, the plan is not coloured.
    fresh();
    const piped = await t.ws.runInTerminal(['apply', '-y'], { redirect: 'stdout' });
    expect(piped.code).toBe(0);
    expect(piped.terminal).toContain(LIVE_LINE);
    expect(piped.file).toContain('+ ssh_file.a\n');
    expect(piped.file).not.toContain('\u001b');
  });

  it('is never drawn into a redirected stderr, even when stdout is a terminal', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const apply = await t.ws.runInTerminal(['apply', '-y'], { redirect: 'stderr' });
    expect(apply.code).toBe(0);
    expect(apply.file).toMatch(/^\[apply\] \+ ssh_file\.a done in \d+\.\ds$/m);
    expect(apply.file).not.toContain('\u001b');
    expect(apply.file).not.toMatch(STACK_LINE);
    // stdout is the terminal: the plan is coloured there.
    expect(apply.terminal).toContain('\u001b[32m+ ssh_file.a\u001b[39m');
    expect(readFileSync(t.ws.hostPath('a'), 'utf8')).toBe('a\n');
  });
});
