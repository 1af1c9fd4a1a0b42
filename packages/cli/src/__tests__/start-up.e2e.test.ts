import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json';
import { assertBuilt, BIN, CHILD_PATH, hostBlock } from './harness';

/**
 * A command loads only what it runs (the built binary, as users start it):
 * `--version` nothing, `--help` only core's error base (not the engine,
 * nor zod), `fmt` the parser (config, chevrotain bundled in it), `validate` and a plan without
 * `--refresh` the providers' kinds but never ssh2, which only a command that
 * reaches a host needs. yargs and import-meta-resolve are bundled into the
 * CLI, zod into `@stratum/core/zod`, chevrotain into config, so no command
 * resolves them (or the modules under them) at all. Seen
 * through a module hook that lists every package the process resolved.
 * Timings are for `pnpm bench`, not for tests.
 */

assertBuilt();

const HOOK = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (resolved.url.startsWith('file:') && !seen.has(resolved.url)) {
      seen.add(resolved.url);
      process.stderr.write('[file] ' + resolved.url + '\\n');
    }
    if (resolved.url.startsWith('node:') && !seen.has(resolved.url)) {
      seen.add(resolved.url);
      process.stderr.write('[builtin] ' + resolved.url.slice(5) + '\\n');
    }
    // A package from node_modules, or a workspace sibling (pnpm links resolve to packages/<name>).
    const m = /node_modules\\/(?:\\.pnpm\\/[^/]+\\/node_modules\\/)?((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
    const sibling = /\\/packages\\/([^/]+)\\/dist\\//.exec(resolved.url);
    const name = m ? m[1] : sibling && sibling[1] !== 'cli' ? '@stratum/' + sibling[1] : undefined;
    if (name && !seen.has(name)) {
      seen.add(name);
      process.stderr.write('[loaded] ' + name + '\\n');
    }
    return resolved;
  },
});
`;

const dir = mkdtempSync(join(tmpdir(), 'stratum-start-up-'));
const hook = join(dir, 'hook.mjs');
writeFileSync(hook, HOOK);
writeFileSync(
  join(dir, 'stratum.strat'),
  // Port 1 on loopback: nothing listens, so a command that does connect is refused at once.
  `${hostBlock('web', 'root@127.0.0.1', '  port   = 1\n')}\nresource "system_file" "motd" {\n  host = host.web.addr\n  path = "/etc/motd"\n  content = "hello\\n"\n}\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages `stratum ARGS` loads, and its result. */
function loads(
  args: string[],
  env: Record<string, string> = {},
): {
  packages: string[];
  builtins: string[];
  files: string[];
  code: number | null;
  stdout: string;
  stderr: string;
} {
  const run = spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { HOME: dir, PATH: CHILD_PATH, CI: '1', ...env },
  });
  const packages = [...run.stderr.matchAll(/^\[loaded\] (\S+)$/gm)].map((m) => m[1]!);
  const builtins = [...run.stderr.matchAll(/^\[builtin\] (\S+)$/gm)].map((m) => m[1]!);
  const files = [...run.stderr.matchAll(/^\[file\] (\S+)$/gm)].map((m) => fileURLToPath(m[1]!));
  return { packages, builtins, files, code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('what each command loads', { timeout: 60_000 }, () => {
  it('--version loads no package at all', () => {
    const run = loads(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${packageJson.version}\n`);
    expect(run.packages).toEqual([]);
  });

  it('--help loads neither zod nor yargs (which is in the bundle)', () => {
    const run = loads(['--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('stratum <command> [options]');
    expect(run.packages).toEqual(['@stratum/core']); // its error base only: dist/errors.js
    for (const never of ['yargs', 'yargs-parser', 'cliui', 'string-width', 'y18n', 'zod'])
      expect(run.packages).not.toContain(never);
  });

  it('the bundled yargs speaks English in any locale, as the rest of stratum does', () => {
    // It ships without yargs' translations; the usage errors stratum rewords are English only.
    const env = { LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8' };
    expect(loads(['--help'], env).stdout).toContain('\nCommands:\n');
    const run = loads(['validate', '--bogus'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: Unknown argument: bogus\nhint: see stratum --help\n');
  });

  it("keeps Node's compile cache in the user's cache dir, and runs without one it cannot create", () => {
    expect(loads(['validate']).code).toBe(0);
    expect(existsSync(join(dir, '.cache', 'stratum', 'compile-cache'))).toBe(true);
    // Below a regular file: the directory cannot be made, and stratum starts all the same.
    const run = loads(['validate'], { XDG_CACHE_HOME: join(dir, 'stratum.strat', 'cache') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('valid: 1 resource');
  });

  it('fmt loads the parser, and neither ssh2 nor a provider', () => {
    const run = loads(['fmt', '--check']);
    expect(run.code, run.stderr).toBe(1); // hostBlock aligns `=` signs, which fmt does not
    // chevrotain is bundled into config's one file: the parser loads with it.
    expect(run.packages).toContain('@stratum/config');
    for (const never of ['chevrotain', 'ssh2', '@stratum/provider-ssh', '@stratum/provider-docker'])
      expect(run.packages).not.toContain(never);
  });

  it('validate and a plan without --refresh load the providers but not ssh2', () => {
    for (const args of [['validate'], ['plan']]) {
      const run = loads(args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.packages).toContain('@stratum/provider-ssh');
      // zod comes from core's one bundled module (@stratum/core/zod), the parser from config's.
      for (const never of ['ssh2', 'import-meta-resolve', 'zod', 'chevrotain', '@chevrotain/gast'])
        expect(run.packages).not.toContain(never);
      // The bundled import-meta-resolve (and node:v8 under it) loads only for a provider package.
      expect(run.builtins).toContain('crypto');
      expect(run.builtins).not.toContain('v8');
      // Only a connection parses ssh config (whose parser loads child_process), only an upload gzips.
      for (const never of ['child_process', 'zlib', 'stream', 'stream/promises'])
        expect(run.builtins).not.toContain(never);
    }
  });

  it('every stratum module a plan loads is pure ASCII, comments included', () => {
    // One non-ASCII character anywhere (a \u2014 in a comment) makes V8 hold the
    // whole file as a two-byte string, decoded again at every start; the
    // build rewrites comments to ASCII (tsup.shared.ts, asciiOutput).
    const run = loads(['plan']);
    expect(run.code, run.stderr).toBe(0);
    const ours = run.files.filter((file) => /\/packages\/[^/]+\/dist\//.test(file));
    // bin, main, the plan chunk, core, zod, config and the four providers at least.
    expect(ours.length).toBeGreaterThanOrEqual(10);
    const nonAscii = ours.filter((file) => /[^\x00-\x7f]/.test(readFileSync(file, 'latin1')));
    expect(nonAscii).toEqual([]);
  });

  it("core's one zod module carries English only, the messages stratum shows", () => {
    // zod's 60 translations were half of the module every command compiles; `zod` itself still has them.
    const zod = new URL('../../../core/dist/zod.js', import.meta.url).href;
    const script = `const { z } = await import(${JSON.stringify(zod)});
      console.log(JSON.stringify([Object.keys(z.locales), Object.keys(z.core.locales), z.string().safeParse(1).error.issues[0].message]));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: CHILD_PATH, LANG: 'de_DE.UTF-8' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      ['en'],
      ['en'],
      'Invalid input: expected string, received number',
    ]);
  });

  it('a command that reaches a host loads ssh2', () => {
    // The connection is refused (exit 1); what matters is that ssh2 was loaded for it.
    const run = loads(['status']);
    expect(run.code).toBe(1);
    expect(run.packages).toContain('ssh2');
  });
});
