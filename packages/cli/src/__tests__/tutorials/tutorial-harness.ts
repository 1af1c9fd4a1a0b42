import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Droplet, pollUntil, startDroplet } from '@stratum/testkit';
import { expect } from 'vitest';

/**
 * The tutorials, run the way their READMEs tell a reader to: the built
 * `stratum` binary as a child process, in a temp copy of examples/, with a
 * throwaway HOME and `--ssh-config` pointing the alias `sandbox` at a fresh
 * droplet. What the tests believe comes from the droplet itself (`docker exec`),
 * not from stratum's own output.
 */

const CLI_DIR = resolve(import.meta.dirname, '../../..');
const BIN = join(CLI_DIR, 'dist', 'bin.cjs');
const EXAMPLES = resolve(CLI_DIR, '../../examples');
/** The test's own Node first, so the binary's `#!/usr/bin/env node` finds it. */
const CHILD_PATH = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':');

/** Hooks and tests that apply against a droplet: apt and image builds take a while. */
export const SLOW = 15 * 60_000;

export interface CliRun {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Working directory, relative to the examples copy (default: the tutorial's own folder). */
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export class Tutorial {
  /** Every run, for the "never printed" checks. */
  readonly transcript: CliRun[] = [];
  /** Environment every run gets on top of HOME and PATH (e.g. a secret's variable). */
  readonly env: Record<string, string> = {};

  constructor(
    readonly example: string,
    readonly root: string,
    readonly droplet: Droplet,
  ) {}

  /** The copy of examples/. */
  get examples(): string {
    return join(this.root, 'examples');
  }

  /** The copy of this tutorial's folder. */
  get dir(): string {
    return join(this.examples, this.example);
  }

  get home(): string {
    return join(this.root, 'home');
  }

  get sshConfig(): string {
    return join(this.root, 'sandbox.ssh_config');
  }

  path(rel: string, cwd = this.example): string {
    return join(this.examples, cwd, rel);
  }

  exists(rel: string, cwd?: string): boolean {
    return existsSync(this.path(rel, cwd));
  }

  read(rel: string, cwd?: string): string {
    return readFileSync(this.path(rel, cwd), 'utf8');
  }

  readJson<T = Record<string, unknown>>(rel: string, cwd?: string): T {
    return JSON.parse(this.read(rel, cwd)) as T;
  }

  write(rel: string, text: string, cwd?: string): void {
    const path = this.path(rel, cwd);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }

  remove(rel: string, cwd?: string): void {
    rmSync(this.path(rel, cwd), { recursive: true, force: true });
  }

  /** The resource addresses a state file holds, sorted. */
  stateKeys(rel: string, cwd?: string): string[] {
    const state = this.readJson<{ resources: Record<string, unknown> }>(rel, cwd);
    return Object.keys(state.resources).sort();
  }

  /** `stratum --ssh-config <file> ARGS`, waited for. */
  run(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
    const child = this.spawn(args, options);
    return collect(child, [...args], options.timeoutMs ?? SLOW).then((result) => {
      this.transcript.push(result);
      return result;
    });
  }

  /** Like {@link run}, and fails the test unless the exit code is 0. */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
    const result = await this.run(args, options);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stderr, 'a crash').not.toMatch(/^Node\.js v\d+/m);
    return result;
  }

  /** Starts `stratum ARGS` and returns the live child (its output is not recorded). */
  spawn(args: readonly string[], options: RunOptions = {}): ChildProcess {
    return spawn(BIN, ['--ssh-config', this.sshConfig, ...args], {
      cwd: join(this.examples, options.cwd ?? this.example),
      env: { HOME: this.home, PATH: CHILD_PATH, ...this.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Runs a command inside the droplet (docker exec, not ssh) and returns its stdout; fails on a non-zero exit. */
  async host(command: string): Promise<string> {
    const result = await this.droplet.exec(command, { timeoutMs: 300_000 });
    expect(result.code, `droplet: ${command}\n${result.stdout}${result.stderr}`).toBe(0);
    return result.stdout;
  }

  /** The exit code of a command inside the droplet. */
  async hostCode(command: string): Promise<number> {
    return (await this.droplet.exec(command, { timeoutMs: 300_000 })).code;
  }

  /** GET http://127.0.0.1:<the droplet's published port 80>/path with a Host header. */
  http(path = '/', hostHeader?: string): Promise<HttpAnswer> {
    return httpGet(this.droplet.ports[80]!, path, hostHeader);
  }

  /** Polls {@link http} until `accept` holds (the proxy reloads its routes a moment after a file lands). */
  async httpUntil(
    accept: (answer: HttpAnswer) => boolean,
    path = '/',
    hostHeader?: string,
  ): Promise<HttpAnswer> {
    let last: HttpAnswer | undefined;
    const found = await pollUntil(
      async () => {
        last = await this.http(path, hostHeader);
        return accept(last) ? last : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(found, `no accepted answer from :80${path} (last: ${JSON.stringify(last)})`).toBeDefined();
    return found!;
  }

  /** Every file under .stratum/ directories of the examples copy, as [path, text]. */
  stateFiles(): [string, string][] {
    const out: [string, string][] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.includes('/.stratum/')) out.push([path, readFileSync(path, 'utf8')]);
      }
    };
    walk(this.examples);
    return out;
  }

  /**
   * `plan` proposes nothing and `plan --refresh` finds no drift (`?` notes are
   * steps with nothing to read, such as ssh_exec). Returns the refreshed run.
   */
  async expectCleanReplan(): Promise<CliRun> {
    const plan = await this.ok(['plan']);
    expect(summaryLine(plan.stdout)).toMatch(/^0 create, 0 update, 0 delete, \d+ no-op$/);
    const refreshed = await this.ok(['plan', '--refresh']);
    const drift = [...driftByStep(refreshed.stdout).values()].flat();
    expect(drift.filter((note) => note.startsWith('!'))).toEqual([]);
    expect(summaryLine(refreshed.stdout)).toMatch(/^0 create, 0 update, 0 delete, \d+ no-op$/);
    return refreshed;
  }

  /** Fails when any recorded output line or any state file contains one of `plaintexts`. */
  expectNeverWritten(plaintexts: readonly string[]): void {
    expect(this.transcript.length).toBeGreaterThan(0);
    const places: [string, string][] = [
      ...this.transcript.map((r): [string, string] => [`stratum ${r.args.join(' ')}`, r.stdout + r.stderr]),
      ...this.stateFiles(),
    ];
    for (const secret of plaintexts) {
      for (const [where, text] of places) {
        expect(text.includes(secret), `plaintext found in ${where}`).toBe(false);
      }
    }
  }

  async stop(): Promise<void> {
    await this.droplet?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * A fresh droplet (ports 80 and 443 published), a temp copy of examples/, a
 * HOME, and the ssh config a reader would write for the alias `sandbox`.
 */
export async function startTutorial(example: string): Promise<Tutorial> {
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} does not exist: build the CLI first (pnpm turbo run build --filter @stratum/cli...)`,
    );
  }
  const root = await mkdtemp(join(tmpdir(), `stratum-tutorial-${example}-`));
  try {
    cpSync(EXAMPLES, join(root, 'examples'), {
      recursive: true,
      // A reader's checkout has no state yet, nor the build output and installs of the example package.
      filter: (source) => {
        const parts = source.split('/');
        return !parts.includes('.stratum') && !parts.includes('node_modules') && !parts.includes('dist');
      },
    });
    mkdirSync(join(root, 'home'), { mode: 0o700 });
    const droplet = await startDroplet({ publish: [80, 443] });
    const tutorial = new Tutorial(example, root, droplet);
    writeSandboxSshConfig(tutorial);
    return tutorial;
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** The ssh config a reader would write for the alias `sandbox`: root on the droplet's published port. */
export function writeSandboxSshConfig(tutorial: Tutorial): void {
  const { droplet } = tutorial;
  writeFileSync(
    tutorial.sshConfig,
    [
      'Host sandbox',
      '  HostName 127.0.0.1',
      `  Port ${droplet.sshPort}`,
      '  User root',
      `  IdentityFile ${droplet.clientKeyPath}`,
      `  UserKnownHostsFile ${droplet.knownHostsPath}`,
      '',
    ].join('\n'),
  );
}

export interface HttpAnswer {
  status: number;
  body: string;
}

function httpGet(port: number, path: string, hostHeader?: string): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: hostHeader === undefined ? {} : { host: hostHeader },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function collect(child: ChildProcess, args: string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        args,
        code: code ?? (signal === 'SIGKILL' ? 137 : 143),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

export function describeRun(result: CliRun): string {
  return [`$ stratum ${result.args.join(' ')}`, `exit ${result.code}`, result.stdout, result.stderr].join(
    '\n',
  );
}

/** The `[apply] <sym> <addr> done in …` lines of an apply, as addresses, in order. */
export function doneSteps(stderr: string): string[] {
  return [...stderr.matchAll(/^\[apply\] [+~-] (\S+) done in /gm)].map((m) => m[1]!);
}

/** The plan's closing summary line. */
export function summaryLine(stdout: string): string {
  return stdout.match(/^\d+ create, \d+ update, \d+ delete, \d+ no-op$/m)?.[0] ?? '(no summary line)';
}

/** Plan lines that name a step: `+ addr`, `~ addr`, `- addr` or `  addr`, as [symbol, addr]. */
export function planSteps(stdout: string): [string, string][] {
  // A step that re-runs ends in its reason: `~ system_service.nginx  (restart: … changed)`.
  return [...stdout.matchAll(/^([+~ -]) ([a-z_]+\.[A-Za-z0-9_.-]+)(?: {2}\(.*\))?$/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

/** The steps a refreshed plan marks with `! DRIFT` or `? unreadable`, by address. */
export function driftByStep(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const step = line.match(/^[+~ -] ([a-z_]+\.[A-Za-z0-9_.-]+)(?: {2}\(.*\))?$/);
    if (step) {
      current = step[1]!;
      continue;
    }
    const note = line.match(/^ {4}([!?] .*)$/);
    if (note && current) out.set(current, [...(out.get(current) ?? []), note[1]!]);
  }
  return out;
}
