import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DockerError } from '../shared/errors';
import { createContainerScript, recreateContainerScript } from './commands';
import { commandTokens, healthFlags, runArgv } from './run-command';
import { containerSchema } from './schema';

const HOST = 'root@192.0.2.10';

/**
 * Runs `script` in /bin/sh with `docker` replaced by a function that prints its
 * argc then its argv, NUL-separated, and returns the argv of each call.
 */
function dockerCallsVia(script: string): string[][] {
  const shim = `docker() { printf '%s\\0' "$#" "$@"; }; ${script}`;
  const result = spawnSync('/bin/sh', ['-c', shim], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const fields = result.stdout.split('\0');
  const calls: string[][] = [];
  for (let i = 0; i < fields.length - 1; ) {
    const argc = Number(fields[i]);
    calls.push(fields.slice(i + 1, i + 1 + argc));
    i += 1 + argc;
  }
  return calls;
}

describe('docker_container schema', () => {
  it('fills restart and pull defaults and keeps values as given', () => {
    const attrs = containerSchema.parse({
      host: HOST,
      image: 'traefik:v3.1',
      env: { PORT: 80, DEBUG: true },
    });
    expect(attrs).toEqual({
      host: HOST,
      image: 'traefik:v3.1',
      restart: 'unless-stopped',
      pull: true,
      env: { PORT: 80, DEBUG: true },
    });
  });

  it('rejects a command that is neither a string nor a list of strings, unknown attrs and bad env keys', () => {
    expect(containerSchema.safeParse({ host: HOST, image: 'x', command: 5 }).success).toBe(false);
    expect(containerSchema.safeParse({ host: HOST, image: 'x', command: ['a', 1] }).success).toBe(false);
    expect(containerSchema.safeParse({ host: HOST, image: 'x', prots: ['80:80'] }).success).toBe(false);
    expect(containerSchema.safeParse({ host: HOST, image: 'x', env: { 'A=B': 'c' } }).success).toBe(false);
    expect(
      containerSchema.safeParse({ host: HOST, image: 'x', healthcheck: { interval: '5s' } }).success,
    ).toBe(false);
    expect(containerSchema.safeParse({ host: HOST, image: 'x', depends_on: ['db'] }).success).toBe(false);
  });

  it('accepts depends_on addresses and a full healthcheck', () => {
    const parsed = containerSchema.safeParse({
      host: HOST,
      image: 'api:dev',
      depends_on: ['docker_container.db', 'docker_container.cache'],
      healthcheck: { test: 'true', interval: '5s', retries: 5, timeout: '3s', start_period: '10s' },
    });
    expect(parsed.success).toBe(true);
  });
});

describe('runArgv', () => {
  it('puts the flags in the documented order', () => {
    const attrs = containerSchema.parse({
      host: HOST,
      image: 'app:1',
      restart: 'always',
      env: { ZED: 'z', ALPHA: 'a', N: 5, OBJ: { k: [1, 2] } },
      ports: ['80:80', '127.0.0.1:443:443/tcp'],
      volumes: ['/srv:/srv:ro'],
      labels: { 'traefik.enable': 'true', 'a.b': 'c' },
      networks: ['edge', 'back'],
      memory: '256m',
      memory_swap: '512m',
      healthcheck: { test: 'curl -f localhost', retries: 3 },
      command: 'serve --port 80',
    });
    expect(runArgv('web', 'web-1', attrs)).toEqual([
      'docker',
      'run',
      '-d',
      '--name',
      'web-1',
      '--restart',
      'always',
      '-e',
      'ALPHA=a',
      '-e',
      'N=5',
      '-e',
      'OBJ={"k":[1,2]}',
      '-e',
      'ZED=z',
      '-p',
      '80:80',
      '-p',
      '127.0.0.1:443:443/tcp',
      '-v',
      '/srv:/srv:ro',
      '-l',
      'a.b=c',
      '-l',
      'traefik.enable=true',
      '--network',
      'edge',
      '--memory',
      '256m',
      '--memory-swap',
      '512m',
      '--health-cmd',
      'curl -f localhost',
      '--health-retries',
      '3',
      '--health-timeout',
      '30s',
      '--health-start-period',
      '0s',
      'app:1',
      'serve',
      '--port',
      '80',
    ]);
  });

  it('is minimal without optional attributes', () => {
    const attrs = containerSchema.parse({ host: HOST, image: 'traefik:v3.1' });
    expect(runArgv('traefik', 'traefik', attrs)).toEqual([
      'docker',
      'run',
      '-d',
      '--name',
      'traefik',
      '--restart',
      'unless-stopped',
      'traefik:v3.1',
    ]);
  });
});

describe('commandTokens', () => {
  it('splits the string form on any whitespace', () => {
    expect(commandTokens('x', '  node\tserver.js \n --port 4000 ')).toEqual([
      'node',
      'server.js',
      '--port',
      '4000',
    ]);
  });

  it('keeps each list element as one token', () => {
    expect(commandTokens('x', ['sh', '-c', 'a b  c'])).toEqual(['sh', '-c', 'a b  c']);
  });

  it('rejects anything else, naming the resource', () => {
    for (const bad of [5, true, { a: 1 }, ['a', 2]]) {
      expect(() => commandTokens('redis', bad)).toThrow(
        /^`redis` command must be a string or a list of strings/,
      );
    }
  });
});

describe('healthFlags', () => {
  it('fills the timeout and start period defaults', () => {
    expect(healthFlags('c', { test: 'redis-cli ping | grep -q PONG' })).toEqual([
      '--health-cmd',
      'redis-cli ping | grep -q PONG',
      '--health-timeout',
      '30s',
      '--health-start-period',
      '0s',
    ]);
  });

  it('passes every given field', () => {
    expect(
      healthFlags('c', { test: 't', interval: '5s', retries: 5, timeout: '3s', start_period: '10s' }),
    ).toEqual([
      '--health-cmd',
      't',
      '--health-interval',
      '5s',
      '--health-retries',
      '5',
      '--health-timeout',
      '3s',
      '--health-start-period',
      '10s',
    ]);
  });

  it('names the resource when test is missing', () => {
    let error: unknown;
    try {
      healthFlags('cache', { interval: '5s' });
    } catch (e) {
      error = e;
    }
    expect(DockerError.isInstance(error)).toBe(true);
    expect((error as DockerError).message).toBe('`cache` healthcheck missing required field `test`');
    expect((error as DockerError).code).toBe('DockerInvalidAttribute');
  });
});

describe('container scripts through a real /bin/sh', () => {
  it('delivers a list-form element with spaces, quotes and $() as one argv token', () => {
    const nasty = `redis-server --requirepass "p a$(id)ss" 'x' \`uname\` $HOME ; rm -rf /`;
    const attrs = containerSchema.parse({
      host: HOST,
      image: 'redis:7',
      pull: false,
      command: ['sh', '-c', nasty],
    });
    const calls = dockerCallsVia(createContainerScript('cache', 'cache', attrs));
    expect(calls).toEqual([
      ['run', '-d', '--name', 'cache', '--restart', 'unless-stopped', 'redis:7', 'sh', '-c', nasty],
    ]);
  });

  it('round-trips arbitrary env values, labels and command elements', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 4 }), (envValue, label, command) => {
        const attrs = containerSchema.parse({
          host: HOST,
          image: 'img:1',
          pull: false,
          env: { K: envValue },
          labels: { l: label },
          command,
        });
        const [call] = dockerCallsVia(createContainerScript('c', 'c', attrs));
        expect(call).toEqual(runArgv('c', 'c', attrs).slice(1));
      }),
      { numRuns: 150 },
    );
  });

  it('pulls before the run, and before removing the old container on a recreate', () => {
    const attrs = containerSchema.parse({
      host: HOST,
      image: 'traefik:v3.1',
      networks: ['edge', 'back', 'mon'],
    });
    const create = createContainerScript('traefik', 'traefik', attrs);
    expect(create).toBe(
      'docker pull traefik:v3.1 >/dev/null && docker run -d --name traefik --restart unless-stopped --network edge traefik:v3.1' +
        ' && { docker network connect back traefik >/dev/null && docker network connect mon traefik >/dev/null' +
        ' || { docker rm -f traefik >/dev/null 2>&1; exit 1; }; }',
    );
    const recreate = recreateContainerScript('traefik', 'proxy', { ...attrs, networks: undefined }, [
      'traefik',
      'proxy',
    ]);
    expect(recreate).toBe(
      'docker pull traefik:v3.1 >/dev/null && { docker rm -f traefik >/dev/null 2>&1 || true; }' +
        ' && { docker rm -f proxy >/dev/null 2>&1 || true; }' +
        ' && docker run -d --name proxy --restart unless-stopped traefik:v3.1',
    );
  });

  it('drops the pull when pull = false', () => {
    const attrs = containerSchema.parse({ host: HOST, image: 'app:dev', pull: false });
    expect(recreateContainerScript('app', 'app', attrs, ['app'])).toBe(
      '{ docker rm -f app >/dev/null 2>&1 || true; } && docker run -d --name app --restart unless-stopped app:dev',
    );
  });
});
