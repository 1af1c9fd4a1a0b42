import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/**
 * End-to-end harness: the real `stratum` binary (packages/cli/dist/bin.cjs) run
 * as a child process, the way a user runs it, against a loopback OpenSSH server.
 *
 * Every workspace is a fresh temp directory holding the configs (the child's
 * cwd), a HOME whose ~/.ssh/config points at the loopback sshd, and a `host/`
 * directory: the only place configs may touch on "the host" (which is this
 * machine). The child's environment is HOME, PATH and CI and nothing else —
 * no SSH_AUTH_SOCK, so authentication goes through the ssh config's key.
 */

export const CLI_DIR = resolve(import.meta.dirname, '../..');
export const BIN = join(CLI_DIR, 'dist', 'bin.cjs');
const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** The test's own Node (24) first, so the binary's `env node` finds it rather than an older system node. */
export const CHILD_PATH = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':');

/** Fails early, with the command to fix it, when the binary has not been built. */
export function assertBuilt(): void {
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} does not exist: build the CLI first (pnpm turbo run build --filter @stratum/cli...; \`turbo run test\` does it for you)`,
    );
  }
}

export async function startHost(): Promise<LoopbackSshd> {
  assertBuilt();
  return startLoopbackSshd();
}

export interface RunResult {
  args: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Extra environment for this run (on top of HOME, PATH, CI). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Start reading stdout and stderr only this long after the start: a reader
   * that lags, so that a pipe fills up (64 KiB) and stratum's writes to it wait.
   */
  readAfterMs?: number;
}

/** How the workspace's ~/.ssh/config reaches the sshd. */
export type SshConfigStyle =
  /** `Host 127.0.0.1` with Port: configs write `addr = "root@127.0.0.1"`. */
  | 'by-address'
  /** `Host * ` without Port: configs must say `port = N` in the host block. */
  | 'port-in-host-block';

export interface WorkspaceOptions {
  sshConfig?: SshConfigStyle;
}

/** The ssh config alias every workspace's ~/.ssh/config defines (HostName 127.0.0.1, the sshd's port). */
export const ALIAS = 'stratum-e2e';

export class Workspace {
  /** Every run's output, for the "no plaintext anywhere" scans. */
  readonly transcript: RunResult[] = [];

  constructor(
    readonly root: string,
    readonly sshd: LoopbackSshd,
  ) {}

  /** The child's working directory, where configs live. */
  get dir(): string {
    return join(this.root, 'work');
  }

  get home(): string {
    return join(this.root, 'home');
  }

  /** The directory host-side resources may touch (on this machine, reached over ssh). */
  get hostDir(): string {
    return join(this.root, 'host');
  }

  /** Replaces `@HOST@` (the host-side dir) and `@PORT@` (sshd's port) in a config template. */
  render(text: string): string {
    return text.replaceAll('@HOST@', this.hostDir).replaceAll('@PORT@', String(this.sshd.port));
  }

  /** Writes a file below the working directory (templates rendered). */
  write(rel: string, text: string): string {
    const path = join(this.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, this.render(text));
    return path;
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), 'utf8');
  }

  exists(rel: string): boolean {
    return existsSync(join(this.dir, rel));
  }

  /** Path of a file on "the host" (inside hostDir). */
  hostPath(rel: string): string {
    return join(this.hostDir, rel);
  }

  readJson<T = unknown>(rel: string): T {
    return JSON.parse(this.read(rel)) as T;
  }

  /** Runs `stratum ARGS` in the working directory and waits for it. */
  run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return runCli(args, {
      cwd: this.dir,
      env: { HOME: this.home, PATH: CHILD_PATH, CI: '1', ...options.env },
      timeoutMs: options.timeoutMs,
      readAfterMs: options.readAfterMs,
    }).then((result) => {
      this.transcript.push(result);
      return result;
    });
  }

  /**
   * Runs `stratum ARGS` with stdout into a real pipe whose reader goes away
   * after the first line (or `closeAfter` bytes), like `stratum ARGS | head -1`.
   * `stdout` is what was read before the reader closed.
   */
  runIntoClosedPipe(
    args: readonly string[],
    options: RunOptions & { closeAfter?: 'line' | number } = {},
  ): Promise<RunResult> {
    return runCli(args, {
      cwd: this.dir,
      env: { HOME: this.home, PATH: CHILD_PATH, CI: '1', ...options.env },
      timeoutMs: options.timeoutMs,
      closeStdoutAfter: options.closeAfter ?? 'line',
    }).then((result) => {
      this.transcript.push(result);
      return result;
    });
  }

  /**
   * Runs `stratum ARGS` on a real terminal (util-linux `script` gives it a
   * pty), outside CI. `redirect` sends stdout or stderr to a file instead, as
   * `> out.txt` / `2> err.txt` would; `terminal` is what reached the pty (with
   * its `\r\n` line ends), `file` what the redirected stream wrote.
   */
  async runInTerminal(
    args: readonly string[],
    options: { env?: Record<string, string>; redirect?: 'stdout' | 'stderr' } = {},
  ): Promise<{ code: number; terminal: string; file: string }> {
    const file = join(this.root, 'redirected.txt');
    rmSync(file, { force: true });
    const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
    const redirect =
      options.redirect === 'stdout'
        ? ` > ${quote(file)}`
        : options.redirect === 'stderr'
          ? ` 2> ${quote(file)}`
          : '';
    const command = `${[BIN, ...args].map(quote).join(' ')}${redirect}`;
    const result = await runCli(['-q', '-e', '-f', '-c', command, '/dev/null'], {
      cwd: this.dir,
      // No CI: on a terminal outside CI is where colour and the live line are decided.
      env: { HOME: this.home, PATH: CHILD_PATH, TERM: 'xterm', ...options.env },
      bin: 'script',
    });
    this.transcript.push(result);
    return {
      code: result.code,
      terminal: result.stdout,
      file: existsSync(file) ? readFileSync(file, 'utf8') : '',
    };
  }

  /** Every file below `rel` (recursively), as [path, content]. */
  filesUnder(rel: string): [string, string][] {
    const out: [string, string][] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else out.push([path, readFileSync(path, 'utf8')]);
      }
    };
    walk(join(this.dir, rel));
    return out;
  }

  /** Normalises temp paths, the port and durations so output can be compared with a golden file. */
  normalise(text: string): string {
    return normaliseOutput(text, { root: this.root, port: this.sshd.port });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A fresh workspace whose HOME reaches `sshd` (see {@link SshConfigStyle}). */
export async function createWorkspace(
  sshd: LoopbackSshd,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'stratum-e2e-'));
  const ws = new Workspace(root, sshd);
  mkdirSync(ws.dir, { recursive: true });
  mkdirSync(ws.hostDir, { recursive: true });
  mkdirSync(join(ws.home, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(ws.home, '.ssh', 'config'), sshConfigText(ws, options.sshConfig ?? 'by-address'), {
    mode: 0o600,
  });
  return ws;
}

function sshConfigText(ws: Workspace, style: SshConfigStyle): string {
  const common = [
    '  User root',
    `  IdentityFile ${ws.sshd.clientKeyPath}`,
    `  UserKnownHostsFile ${join(ws.home, '.ssh', 'known_hosts')}`,
  ];
  const alias = [`Host ${ALIAS}`, '  HostName 127.0.0.1', `  Port ${ws.sshd.port}`, ...common];
  const main =
    style === 'by-address'
      ? ['Host 127.0.0.1', `  Port ${ws.sshd.port}`, ...common]
      : // No Port anywhere: only the host block's `port` can lead to the sshd.
        ['Host *', ...common];
  return [...alias, '', ...main, ''].join('\n');
}

export function runCli(
  args: readonly string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs?: number | undefined;
    bin?: string | undefined;
    /** Close the read end of stdout after the first line, or after this many bytes (see `runIntoClosedPipe`). */
    closeStdoutAfter?: 'line' | number | undefined;
    /** See {@link RunOptions.readAfterMs}. */
    readAfterMs?: number | undefined;
  },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    // Through the file's own `#!/usr/bin/env ...` line, as an installed `stratum` runs.
    const child = spawn(options.bin ?? BIN, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const cut = options.closeStdoutAfter;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      if (cut === undefined) return;
      const read = Buffer.concat(stdout);
      const end = cut === 'line' ? read.indexOf('\n') + 1 : read.length >= cut ? cut : 0;
      if (end === 0) return;
      // Like `head`: keep what it read, then close the pipe under the writer.
      stdout.splice(0, stdout.length, read.subarray(0, end));
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (options.readAfterMs !== undefined) {
      child.stdout.pause();
      child.stderr.pause();
      setTimeout(() => {
        child.stdout.resume();
        child.stderr.resume();
      }, options.readAfterMs);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        args,
        code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/**
 * Output made comparable: the workspace root becomes `<TMP>`, the sshd port
 * `<PORT>`, step durations `<T>s`, key fingerprints (fresh keys every run)
 * `SHA256:<FP>`, the digits of secret markers `<D1>`, `<D2>`, .... Nothing else is touched, so a golden file still holds the
 * exact messages.
 */
export function normaliseOutput(text: string, where: { root: string; port: number }): string {
  const digests = new Map<string, string>();
  return text
    .replaceAll(where.root, '<TMP>')
    .replace(new RegExp(`\\b${where.port}\\b`, 'g'), '<PORT>')
    .replace(/\b\d+\.\d+s\b/g, '<T>s')
    .replace(/SHA256:[A-Za-z0-9+/]{43}/g, 'SHA256:<FP>')
    .replace(/(<secret:[A-Za-z0-9_-]+ sha:)([0-9a-f]{6})>/g, (_, head: string, hex: string) => {
      // A marker's digits come from a salted digest, new in every state, so
      // each distinct one is numbered in order of appearance: a golden file
      // still shows whether a secret changed (`<D1>` -> `<D2>`) or not.
      if (!digests.has(hex)) digests.set(hex, `<D${digests.size + 1}>`);
      return `${head}${digests.get(hex)}>`;
    });
}

/** The transcript of one run as a golden file holds it. */
export function formatRun(ws: Workspace, result: RunResult): string {
  return [
    `$ stratum ${result.args.join(' ')}`,
    `--- exit ${result.code}`,
    '--- stdout',
    ws.normalise(result.stdout).trimEnd(),
    '--- stderr',
    ws.normalise(result.stderr).trimEnd(),
    '',
  ].join('\n');
}

/**
 * Compares runs with `golden/<name>.txt`; `UPDATE_GOLDEN=1` rewrites the file
 * instead. A missing golden file fails (so a forgotten update cannot pass).
 */
export function expectGolden(name: string, ws: Workspace, ...results: RunResult[]): void {
  const actual = results.map((r) => formatRun(ws, r)).join('\n');
  const path = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing: run the tests with UPDATE_GOLDEN=1 to create it`);
  }
  expect(actual, `output differs from golden/${name}.txt (UPDATE_GOLDEN=1 rewrites it)`).toBe(
    readFileSync(path, 'utf8'),
  );
}

/** Asserts a run's exit code, showing its output when it differs. */
export function expectExit(result: RunResult, code: number): void {
  expect(
    result.code,
    `stratum ${result.args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  ).toBe(code);
}

/** A host block for the loopback sshd, reached as `addr` (tuning always off: the host is this machine). */
export function hostBlock(name: string, addr = 'root@127.0.0.1', extra = ''): string {
  return `host "${name}" {\n  addr   = "${addr}"\n  tuning = false\n${extra}}\n`;
}

/** The stack-trace shape Node prints; errors must never show it without --verbose. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** What {@link useWorkspacePerTest} gives a test file; read the fields inside tests and hooks. */
export interface HostAndWorkspace {
  /** One loopback sshd for the whole file. */
  readonly sshd: LoopbackSshd;
  /** A fresh workspace (work dir, HOME, host dir) for each test. */
  readonly ws: Workspace;
}

/** Registers the hooks most e2e files share: one sshd per file, a fresh workspace per test. */
export function useWorkspacePerTest(): HostAndWorkspace {
  const t = {} as { sshd: LoopbackSshd; ws: Workspace };
  beforeAll(async () => {
    t.sshd = await startHost();
  });
  afterAll(async () => {
    await t.sshd?.stop();
  });
  beforeEach(async () => {
    t.ws = await createWorkspace(t.sshd);
  });
  afterEach(() => t.ws?.dispose());
  return t;
}
