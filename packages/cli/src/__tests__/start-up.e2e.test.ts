import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json';
import { assertBuilt, BIN, CHILD_PATH, hostBlock } from './harness';

/**
 * A command runs only what it needs (the built binary, as users start it).
 * The program is one CommonJS bundle compiled through the code cache
 * (dist/stratum.cjs, code-cache.ts), each command's modules run on its first
 * call: `--version` runs none of it, `--help` yargs and the command
 * definitions, `fmt` the parser but no provider, `validate` and a plan
 * without `--refresh` the providers' kinds but never ssh2, which only a
 * command that reaches a host needs. Which of its modules ran is seen in the
 * Node modules they required (a module hook lists every one the process
 * resolved): a provider's module requires node:net (provider-ssh), ssh2
 * node:zlib, the ssh config parser node:child_process, the engine
 * node:crypto. Timings are for `pnpm bench`, not for tests.
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

/**
 * What `stratum ARGS` ran, and its result: the packages and Node modules it
 * resolved, and the code caches it wrote (in a cache dir of its own unless
 * `env` names one), by run key.
 */
function loads(
  args: string[],
  env: Record<string, string> = {},
): {
  packages: string[];
  builtins: string[];
  files: string[];
  caches: string[];
  code: number | null;
  stdout: string;
  stderr: string;
} {
  const cacheHome = mkdtempSync(join(dir, 'cache-'));
  const run = spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { HOME: dir, XDG_CACHE_HOME: cacheHome, PATH: CHILD_PATH, CI: '1', ...env },
  });
  const packages = [...run.stderr.matchAll(/^\[loaded\] (\S+)$/gm)].map((m) => m[1]!);
  const builtins = [...run.stderr.matchAll(/^\[builtin\] (\S+)$/gm)].map((m) => m[1]!);
  const files = [...run.stderr.matchAll(/^\[file\] (\S+)$/gm)].map((m) => fileURLToPath(m[1]!));
  const codeCache = join(cacheHome, 'stratum', 'code-cache');
  // <bundle>-<path hash>-<node>-<arch>-<size>-<mtime>-<inode>-<run key>.v8
  const caches = existsSync(codeCache)
    ? readdirSync(codeCache).map((name) => /^stratum\.cjs-(?:[^-]+-){6}(.+)\.v8$/.exec(name)?.[1] ?? name)
    : [];
  rmSync(cacheHome, { recursive: true, force: true });
  return { packages, builtins, files, caches, code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

describe('what each command runs', { timeout: 60_000 }, () => {
  it('--version loads no package and runs none of the program', () => {
    const run = loads(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${packageJson.version}\n`);
    expect(run.packages).toEqual([]);
    expect(run.builtins).not.toContain('vm');
    expect(run.caches).toEqual([]);
  });

  it('--help runs yargs and the command definitions alone: no command, no engine, no crypto', () => {
    const run = loads(['--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('stratum <command> [options]');
    expect(run.caches).toEqual(['--help']);
    // All of it is in the bundle: no package is resolved.
    expect(run.packages).toEqual([]);
    for (const never of ['crypto', 'net', 'child_process', 'zlib']) expect(run.builtins).not.toContain(never);
  });

  it('the bundled yargs speaks English in any locale, as the rest of stratum does', () => {
    // It ships without yargs' translations; the usage errors stratum rewords are English only.
    const env = { LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8' };
    expect(loads(['--help'], env).stdout).toContain('\nCommands:\n');
    const run = loads(['validate', '--bogus'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: Unknown argument: bogus\nhint: see stratum --help\n');
  });

  it("keeps its caches in the user's cache dir, and runs without them where they cannot be made", () => {
    const cacheHome = join(dir, 'kept-cache');
    expect(loads(['validate'], { XDG_CACHE_HOME: cacheHome }).code).toBe(0);
    expect(existsSync(join(cacheHome, 'stratum', 'compile-cache'))).toBe(true);
    expect(readdirSync(join(cacheHome, 'stratum', 'code-cache'))).toEqual([
      expect.stringMatching(/-validate\.v8$/),
    ]);
    // Run again from them.
    expect(loads(['validate'], { XDG_CACHE_HOME: cacheHome }).stdout).toContain('valid: 1 resource');
    // Below a regular file: the directories cannot be made, and stratum starts all the same.
    const run = loads(['validate'], { XDG_CACHE_HOME: join(dir, 'stratum.strat', 'cache') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('valid: 1 resource');
    expect(run.stderr.replace(/^\[(file|builtin|loaded)\] .*\n/gm, '')).toBe('');
  });

  it("keeps the config's syntax tree, takes it while the text is unchanged, and only from a private file", () => {
    const cacheHome = join(dir, 'parse-cache-home');
    const parseCache = join(cacheHome, 'stratum', 'parse-cache');
    expect(loads(['plan'], { XDG_CACHE_HOME: cacheHome }).stdout).toContain('+ system_file.motd\n');
    const [entry] = readdirSync(parseCache).map((name) => join(parseCache, name));
    expect(readdirSync(parseCache)).toHaveLength(1);
    // An entry whose tree names the resource otherwise: a plan that shows that name took the tree.
    const planted = readFileSync(entry!, 'utf8').replaceAll('"motd"', '"planted"');
    writeFileSync(entry!, planted, { mode: 0o600 });
    expect(loads(['plan'], { XDG_CACHE_HOME: cacheHome }).stdout).toContain('+ system_file.planted\n');
    // The same entry, writable by the group: not read, the config is parsed and the entry replaced.
    chmodSync(entry!, 0o660);
    expect(loads(['plan'], { XDG_CACHE_HOME: cacheHome }).stdout).toContain('+ system_file.motd\n');
    writeFileSync(entry!, planted, { mode: 0o600 });
    chmodSync(entry!, 0o600);
    // Without the cache (NODE_DISABLE_COMPILE_CACHE turns stratum's caches off), the file is parsed.
    const off = loads(['plan'], { XDG_CACHE_HOME: cacheHome, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.stdout).toContain('+ system_file.motd\n');
  });

  it('fmt runs the parser, and neither ssh2 nor a provider', () => {
    const run = loads(['fmt', '--check']);
    expect(run.code, run.stderr).toBe(1); // hostBlock aligns `=` signs, which fmt does not
    // Exit 1 (a file to format): no cache is kept of a run that failed.
    expect(run.caches).toEqual([]);
    for (const never of ['net', 'zlib', 'child_process']) expect(run.builtins).not.toContain(never);
  });

  it('validate and a plan without --refresh run the providers but not ssh2', () => {
    for (const args of [['validate'], ['plan']]) {
      const run = loads(args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.caches).toEqual(args);
      expect(run.builtins).toContain('net');
      expect(run.builtins).toContain('crypto');
      // import-meta-resolve (and node:v8 under it) runs only for a provider package; only a
      // connection parses ssh config (whose parser requires child_process), only an upload gzips.
      for (const never of ['v8', 'child_process', 'zlib', 'stream', 'stream/promises'])
        expect(run.builtins).not.toContain(never);
    }
  });

  it('every file of the program is pure ASCII, comments included', () => {
    // One non-ASCII character anywhere (a \u2014 in a comment) makes V8 hold the
    // whole file as a two-byte string, decoded again at every start, and the
    // code cache reads a bundle as latin1; the build rewrites comments to ASCII
    // (tsup.shared.ts, asciiOutput).
    const program = readdirSync(DIST).filter((name) => /\.c?js$/.test(name));
    expect(program).toEqual(expect.arrayContaining(['bin.cjs', 'stratum.cjs']));
    const nonAscii = program.filter((name) => /[^\x00-\x7f]/.test(readFileSync(join(DIST, name), 'latin1')));
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

  it('imports a third-party provider as an ES module, top-level await and all', () => {
    // Inside the bundle `import()` is `require()` (import-module.ts); a provider still gets a real import,
    // which an ES module with top-level await needs (require() refuses it).
    const project = mkdtempSync(join(dir, 'project-'));
    const pkg = join(project, 'node_modules', 'stratum-provider-tla');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'stratum-provider-tla',
        type: 'module',
        exports: { '.': { import: './index.js' } },
      }),
    );
    writeFileSync(
      join(pkg, 'index.js'),
      'const kinds = await Promise.resolve({});\nexport default { name: "tla", kinds };\n',
    );
    writeFileSync(join(project, 'stratum.strat'), 'provider "tla" {\n  source = "stratum-provider-tla"\n}\n');
    const run = spawnSync(process.execPath, [BIN, 'validate'], {
      cwd: project,
      encoding: 'utf8',
      env: { HOME: project, PATH: CHILD_PATH, CI: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('valid: 0 resources');
    expect(run.status).toBe(0);
  });

  it('a command that reaches a host runs ssh2', () => {
    // The connection is refused (exit 1); what matters is that ssh2 ran for it.
    const run = loads(['status']);
    expect(run.code).toBe(1);
    expect(run.builtins).toContain('zlib');
  });
});
