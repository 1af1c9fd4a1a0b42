/**
 * examples/secret-in-container, end to end on a fresh droplet, as its README
 * tells it: a password from the environment and a token from a file reach
 * containers (env, an interpolated URL, a mounted secret file), rotate, and
 * never appear in state or in anything stratum prints.
 * Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { digestDisplayHex, digestMatches } from '@stratum/core';
import { dropletTier } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  doneSteps,
  driftByStep,
  SLOW,
  startTutorial,
  summaryLine,
  type Tutorial,
} from './tutorial-harness';

const tier = await dropletTier();

const TOGETHER = [
  '-c',
  '../bootstrap/stratum.strat',
  '-c',
  'stratum.strat',
  '-s',
  '../bootstrap/.stratum/state.json',
];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const fresh = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

interface StateFile {
  resources: Record<string, { attrs: Record<string, unknown> }>;
}

describe.skipIf(!tier.run)(
  'tutorial: inject a secret into a container (examples/secret-in-container)',
  () => {
    let t: Tutorial;
    const passwords = [fresh('pg-first'), fresh('pg-second')];
    const tokens = [fresh('token-first'), fresh('token-second')];
    const state = () => t.readJson<StateFile>('.stratum/state.json', 'bootstrap');
    /** The digest state holds for the password, from the db container's env marker. */
    const pgDigest = () => {
      const marker = state().resources['docker_container.db']!.attrs.env as Record<string, unknown>;
      const { __secret, __secret_sha256 } = marker.POSTGRES_PASSWORD as Record<string, string>;
      expect(__secret).toBe('pg_password');
      return __secret_sha256!;
    };

    beforeAll(async () => {
      t = await startTutorial('secret-in-container');
      t.write('secrets/api-token.txt', `${tokens[0]}\n`);
    }, SLOW);

    afterAll(async () => {
      await t?.stop();
    });

    it('refuses to run without PG_PASSWORD, naming the variable', { timeout: SLOW }, async () => {
      const missing = await t.run(['plan', ...TOGETHER]);
      expect(missing.code, describeRun(missing)).toBe(1);
      expect(missing.stderr).toMatch(/PG_PASSWORD/);
      // Review without the secret at hand: a placeholder stands in, and apply would refuse it.
      const review = await t.ok(['plan', '--allow-unresolved-secrets', ...TOGETHER]);
      expect(summaryLine(review.stdout)).toBe('25 create, 0 update, 0 delete, 0 no-op');
    });

    it('one apply bootstraps the host and hands both secrets to the containers', {
      timeout: SLOW,
    }, async () => {
      t.env.PG_PASSWORD = passwords[0]!;
      const applied = await t.ok(['apply', '-y', ...TOGETHER]);
      expect(doneSteps(applied.stderr).slice(-3)).toEqual([
        'docker_container.db',
        'system_secret_file.api-token',
        'docker_container.api',
      ]);
      expect(applied.stderr).toMatch(
        /^\[system\] SECRET_FILE `api-token` -> root@sandbox:\/etc\/app\/secrets\/api-token \(\d+ bytes, mode=0400 root:root\)$/m,
      );

      const dbEnv = await t.host('docker exec db env');
      expect(dbEnv).toContain(`POSTGRES_PASSWORD=${passwords[0]}\n`);
      expect(dbEnv).toContain('POSTGRES_USER=postgres\n');
      const apiEnv = await t.host('docker exec api env');
      expect(apiEnv).toContain(`DATABASE_URL=postgresql://app:${passwords[0]}@db:5432/app\n`);
      expect(apiEnv).toContain('API_TOKEN_FILE=/run/secrets/api-token\n');
      expect(await t.host('docker exec api cat /run/secrets/api-token')).toBe(tokens[0]);
      expect(await t.host("stat -c '%a %U:%G' /etc/app/secrets/api-token")).toBe('400 root:root\n');
    });

    it('state keeps markers and digests only', { timeout: SLOW }, async () => {
      const { resources } = state();
      // A salted, slow digest of the value (never its plain SHA-256), the same in both places.
      const digest = pgDigest();
      expect(digest).toMatch(/^scrypt:14:[0-9a-f]{32}:[0-9a-f]{64}$/);
      expect(digestMatches(passwords[0]!, digest)).toBe(true);
      expect(JSON.stringify(resources)).not.toContain(sha256(passwords[0]!));
      expect((resources['docker_container.api']!.attrs.env as Record<string, unknown>).DATABASE_URL).toBe(
        `postgresql://app:<secret:pg_password:${digest}>@db:5432/app`,
      );
      const secretFile = resources['system_secret_file.api-token']!.attrs;
      expect(Object.keys(secretFile).sort()).toEqual(['group', 'host', 'mode', 'owner', 'path', 'sha256']);

      const shown = await t.ok([
        'state',
        'show',
        'docker_container.db',
        '-p',
        '../bootstrap/.stratum/state.json',
      ]);
      expect(shown.stdout).toContain('"__secret": "pg_password"');
    });

    it('applying again is a no-op, and a refresh sees no drift in the secret-bearing fields', {
      timeout: SLOW,
    }, async () => {
      expect((await t.ok(['apply', '-y', ...TOGETHER])).stdout).toMatch(/^Nothing to do\.$/m);
      const refreshed = await t.ok(['plan', '--refresh', ...TOGETHER]);
      expect(refreshed.stdout).toMatch(/^drift: 4 unreadable$/m);
    });

    it('rotating the password shows as a change of hash prefix; both containers get the new value', {
      timeout: SLOW,
    }, async () => {
      t.env.PG_PASSWORD = passwords[1]!;
      // The digits shown are those of the digest state holds, and of the new value's fresh digest.
      const before = digestDisplayHex(pgDigest()).slice(0, 6);

      const plan = await t.ok(['plan', ...TOGETHER]);
      const rotated = new RegExp(
        `^~ docker_container\\.db\\n    ~ env\\.POSTGRES_PASSWORD: <secret:pg_password sha:${before}> -> <secret:pg_password sha:([0-9a-f]{6})>$`,
        'm',
      ).exec(plan.stdout);
      expect(rotated, plan.stdout).not.toBeNull();
      const after = rotated![1]!;
      expect(after).not.toBe(before);
      expect(plan.stdout).toContain(
        `    ~ env.DATABASE_URL: "postgresql://app:<secret:pg_password sha:${before}>@db:5432/app" -> "postgresql://app:<secret:pg_password sha:${after}>@db:5432/app"`,
      );
      expect(summaryLine(plan.stdout)).toBe('0 create, 2 update, 0 delete, 23 no-op');

      const applied = await t.ok(['apply', '-y', ...TOGETHER]);
      expect(doneSteps(applied.stderr)).toEqual(['docker_container.db', 'docker_container.api']);
      expect(applied.stderr).toMatch(/^\[docker\] CONTAINER `db` on root@sandbox \(recreate\)$/m);
      expect(await t.host('docker exec db printenv POSTGRES_PASSWORD')).toBe(`${passwords[1]}\n`);
      expect(await t.host('docker exec api printenv DATABASE_URL')).toBe(
        `postgresql://app:${passwords[1]}@db:5432/app\n`,
      );
      // Apply made its own fresh digest of the new value (the plan's was never stored), so only its
      // match is checked, not its digits.
      expect(digestMatches(passwords[1]!, pgDigest())).toBe(true);
      expect(digestMatches(passwords[0]!, pgDigest())).toBe(false);
    });

    it('a new token is written to the host and seen by the running container through its mount', {
      timeout: SLOW,
    }, async () => {
      const containerId = await t.host("docker inspect --format '{{.Id}}' api");
      t.write('secrets/api-token.txt', `${tokens[1]}\n`);
      const plan = await t.ok(['plan', ...TOGETHER]);
      expect(summaryLine(plan.stdout)).toBe('0 create, 1 update, 0 delete, 24 no-op');
      expect(plan.stdout).toMatch(/^~ system_secret_file\.api-token$/m);

      const applied = await t.ok(['apply', '-y', ...TOGETHER]);
      expect(doneSteps(applied.stderr)).toEqual(['system_secret_file.api-token']);
      expect(await t.host('docker exec api cat /run/secrets/api-token')).toBe(tokens[1]);
      expect(await t.host("docker inspect --format '{{.Id}}' api")).toBe(containerId);
    });

    it('a container removed by hand comes back with its secrets through apply --refresh', {
      timeout: SLOW,
    }, async () => {
      await t.host('docker rm -f api');
      const refreshed = await t.ok(['plan', '--refresh', ...TOGETHER]);
      expect(driftByStep(refreshed.stdout).get('docker_container.api')).toEqual([
        '! DRIFT: resource missing on host (state says exists)',
      ]);
      const repaired = await t.ok(['apply', '-y', '--refresh', ...TOGETHER]);
      expect(doneSteps(repaired.stderr)).toEqual(['docker_container.api']);
      expect(await t.host('docker exec api printenv DATABASE_URL')).toBe(
        `postgresql://app:${passwords[1]}@db:5432/app\n`,
      );
    });

    it('removing the example leaves the bootstrap; nothing ever held a plaintext', {
      timeout: SLOW,
    }, async () => {
      const removed = await t.ok(['apply', '-y', '--allow-destroy'], { cwd: 'bootstrap' });
      expect(summaryLine(removed.stdout)).toBe('0 create, 0 update, 3 delete, 22 no-op');
      // The api container depends on the other two, so it goes first.
      const order = doneSteps(removed.stderr);
      expect(order[0]).toBe('docker_container.api');
      expect([...order].sort()).toEqual([
        'docker_container.api',
        'docker_container.db',
        'system_secret_file.api-token',
      ]);
      expect(
        await t.hostCode(
          'docker container inspect db || docker container inspect api || test -e /etc/app/secrets/api-token',
        ),
      ).not.toBe(0);

      t.expectNeverWritten([...passwords, ...tokens]);
    });
  },
);
