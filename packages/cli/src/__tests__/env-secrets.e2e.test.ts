import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { digestDisplayHex, digestMatches } from '@stratum/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, useWorkspacePerTest } from './harness';

/** `--env-file`, `.env`, and secrets that must never be printed or stored. */

const t = useWorkspacePerTest();

describe('env files', { timeout: 30_000 }, () => {
  // A secret that opts out of redaction, so the plan shows which value won.
  const CONFIG = `${hostBlock('box')}
secret "greeting" {
  from_env  = "GREETING"
  sensitive = false
}

resource "ssh_file" "greeting" {
  host    = host.box.addr
  path    = "@HOST@/greeting"
  content = secret.greeting.value
}
`;
  const greetingIn = (stdout: string): unknown =>
    (JSON.parse(stdout) as { steps: { desired: { content: unknown } }[] }).steps[0]?.desired.content;

  beforeEach(() => {
    t.ws.write('stratum.strat', CONFIG);
  });

  it('./.env is loaded when no --env-file is given, and says so on stderr', async () => {
    t.ws.write('.env', '# comment\nexport GREETING="from .env"\n');
    const result = await t.ws.run(['plan', '--json']);
    expectExit(result, 0);
    expect(greetingIn(result.stdout)).toBe('from .env');
    expect(result.stderr).toBe('[env] loaded .env\n');
  });

  it('no .env and no --env-file: nothing is loaded, silently', async () => {
    const result = await t.ws.run(['plan', '--json'], { env: { GREETING: 'from the process' } });
    expectExit(result, 0);
    expect(greetingIn(result.stdout)).toBe('from the process');
    expect(result.stderr).toBe('');
  });

  it('--env-file replaces the auto-load; the first file to set a variable wins', async () => {
    t.ws.write('.env', 'GREETING=from .env\n');
    t.ws.write('base.env', 'GREETING=from base.env\n');
    t.ws.write('override.env', 'GREETING=from override.env\nOTHER=1\n');
    const one = await t.ws.run(['--env-file', 'override.env', 'plan', '--json']);
    expectExit(one, 0);
    expect(greetingIn(one.stdout)).toBe('from override.env');
    expect(one.stderr).toBe('[env] loaded override.env\n');

    const two = await t.ws.run(['plan', '--json', '--env-file', 'base.env', '--env-file', 'override.env']);
    expectExit(two, 0);
    expect(greetingIn(two.stdout)).toBe('from base.env');
    expect(two.stderr).toBe('[env] loaded base.env\n[env] loaded override.env\n');
  });

  it('the process environment wins over every file', async () => {
    t.ws.write('.env', 'GREETING=from .env\n');
    const result = await t.ws.run(['plan', '--json'], { env: { GREETING: 'from the process' } });
    expectExit(result, 0);
    expect(greetingIn(result.stdout)).toBe('from the process');
  });

  it('a missing --env-file is an error before any work', async () => {
    const missing = await t.ws.run(['--env-file', 'nope.env', 'apply', '-y'], { env: { GREETING: 'x' } });
    expectExit(missing, 1);
    t.ws.write('bad.env', 'GREETING=ok\nthis line is not an assignment\n');
    const bad = await t.ws.run(['--env-file', 'bad.env', 'plan']);
    expectExit(bad, 1);
    expectGolden('env-file-errors', t.ws, missing, bad);
    expect(bad.stderr).not.toContain('this line is not');
  });

  it('an unset variable is an error naming it', async () => {
    const result = await t.ws.run(['plan']);
    expectExit(result, 1);
    expectGolden('secret-env-missing', t.ws, result);
  });
});

describe('secrets', { timeout: 60_000 }, () => {
  const TOKEN_1 = 'correct-horse-battery-staple-1';
  const TOKEN_2 = 'correct-horse-battery-staple-2';
  const CONFIG = `${hostBlock('box')}
secret "api_token" {
  from_env = "API_TOKEN"
}

resource "system_secret_file" "token" {
  host    = host.box.addr
  path    = "@HOST@/secrets/api-token"
  content = secret.api_token.value
}

resource "ssh_exec" "register" {
  host    = host.box.addr
  command = "printf %s \\"$TOKEN\\" | sha256sum | cut -d' ' -f1 > @HOST@/token.sha256"
  env = {
    TOKEN = secret.api_token.value
    STAGE = "prod"
  }
}
`;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  /** The plaintext must appear in no output and no file under .stratum/. */
  function expectNoPlaintext(...secrets: string[]): void {
    const files = t.ws.filesUnder('.stratum');
    for (const secret of secrets) {
      for (const run of t.ws.transcript) {
        expect(run.stdout, `stdout of stratum ${run.args.join(' ')}`).not.toContain(secret);
        expect(run.stderr, `stderr of stratum ${run.args.join(' ')}`).not.toContain(secret);
      }
      for (const [path, text] of files) expect(text, path).not.toContain(secret);
    }
  }

  it('reach the host, and never stdout, stderr or state; a rotation shows as a hash change', async () => {
    t.ws.write('stratum.strat', CONFIG);
    t.ws.write('.env', `API_TOKEN=${TOKEN_1}\n`);

    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 0);
    expect(readFileSync(t.ws.hostPath('secrets/api-token'), 'utf8')).toBe(TOKEN_1);
    expect((statSync(t.ws.hostPath('secrets/api-token')).mode & 0o777).toString(8)).toBe('400');
    expect(readFileSync(t.ws.hostPath('token.sha256'), 'utf8').trim()).toBe(sha(TOKEN_1));

    const json = await t.ws.run(['plan', '--json']);
    expectExit(json, 0);
    expect(json.stdout).toContain('"__secret": "api_token"');
    expect(await t.ws.run(['state', 'show', 'ssh_exec.register'])).toMatchObject({ code: 0 });
    await t.ws.run(['plan', '--refresh']);

    // Rotation: the plan shows the six-digit hash prefix changing.
    t.ws.write('.env', `API_TOKEN=${TOKEN_2}\n`);
    const rotated = await t.ws.run(['plan']);
    expectExit(rotated, 0);
    expectGolden('secret-rotation-plan', t.ws, rotated);
    // The digits before the arrow are those of the digest in state; after it, a fresh digest's.
    const stateDigest = () =>
      (
        JSON.parse(t.ws.read('.stratum/state.json')).resources['ssh_exec.register'].attrs.env.TOKEN as {
          __secret_sha256: string;
        }
      ).__secret_sha256;
    const shown =
      /env\.TOKEN: <secret:api_token sha:([0-9a-f]{6})> -> <secret:api_token sha:([0-9a-f]{6})>/.exec(
        rotated.stdout,
      );
    expect(shown?.[1]).toBe(digestDisplayHex(stateDigest()).slice(0, 6));
    expect(shown?.[2]).not.toBe(shown?.[1]);
    // Neither is taken from an unsalted hash of the value.
    expect(rotated.stdout).not.toContain(`sha:${sha(TOKEN_1).slice(0, 6)}>`);
    expect(rotated.stdout).not.toContain(`sha:${sha(TOKEN_2).slice(0, 6)}>`);
    const reapply = await t.ws.run(['apply', '-y']);
    expectExit(reapply, 0);
    expect(readFileSync(t.ws.hostPath('secrets/api-token'), 'utf8')).toBe(TOKEN_2);
    expect(readFileSync(t.ws.hostPath('token.sha256'), 'utf8').trim()).toBe(sha(TOKEN_2));

    // The state and its run history: nothing else is written, and neither holds plaintext (checked next).
    expect(t.ws.filesUnder('.stratum').map(([path]) => path)).toEqual([
      `${t.ws.dir}/.stratum/state.json`,
      `${t.ws.dir}/.stratum/state.json.history.jsonl`,
    ]);
    expectNoPlaintext(TOKEN_1, TOKEN_2);
    expect(digestMatches(TOKEN_2, stateDigest())).toBe(true);
    expect(stateDigest()).toMatch(/^scrypt:/);
  });

  it('a failing command that echoes the secret does not print it', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
secret "api_token" {
  from_env = "API_TOKEN"
}

resource "ssh_exec" "leaky" {
  host    = host.box.addr
  command = "echo \\"token is $TOKEN\\" >&2; exit 7"
  env = {
    TOKEN = secret.api_token.value
  }
}
`,
    );
    const result = await t.ws.run(['apply', '-y'], { env: { API_TOKEN: TOKEN_1 } });
    expectExit(result, 1);
    expect(result.stderr).toContain('(exit 7)');
    expect(result.stderr).toContain('token is ');
    const verbose = await t.ws.run(['apply', '-y', '--verbose'], { env: { API_TOKEN: TOKEN_1 } });
    expectExit(verbose, 1);
    expectNoPlaintext(TOKEN_1);
  });

  it('--allow-unresolved-secrets: plan works with placeholders, apply refuses', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const plan = await t.ws.run(['plan', '--allow-unresolved-secrets']);
    expectExit(plan, 0);
    const json = await t.ws.run(['plan', '--allow-unresolved-secrets', '--json']);
    expectExit(json, 0);
    expect(json.stdout).toContain('"content": "<unresolved-secret:api_token>"');
    expect(json.stdout).toContain('"TOKEN": "<unresolved-secret:api_token>"');

    // apply has no such flag: without the secret it fails on the missing source.
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    const applyFlag = await t.ws.run(['apply', '-y', '--allow-unresolved-secrets']);
    expectExit(applyFlag, 1);
    expectGolden('secret-unresolved', t.ws, plan, apply, applyFlag);
    expect(t.ws.filesUnder('../host')).toEqual([]);
  });

  it('apply refuses a plan that carries an unresolved-secret placeholder', async () => {
    // A placeholder copied into a config (say, from plan --json output) must never reach a host.
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_file" "copied" {
  host    = host.box.addr
  path    = "@HOST@/copied"
  content = "<unresolved-secret:pg_password>"
}
`,
    );
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    expectGolden('secret-placeholder-refused', t.ws, apply);
    expect(t.ws.filesUnder('../host')).toEqual([]);
    expect(t.ws.exists('.stratum/state.json')).toBe(false);
  });
});
