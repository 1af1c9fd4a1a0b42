import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, type RunResult, run, type Service, spawnService, tcpAccepts } from './process';
import { TestkitError } from './testkit-error';

/**
 * Bare repositories in a temp dir, served read-write by `git daemon` on a free
 * 127.0.0.1 port, with helpers to fill them with known commits and to move a
 * branch afterwards (upstream drift).
 */

/** Files of a commit: path (with `/` for subdirectories) → content. */
export type RepoFiles = Readonly<Record<string, string>>;

export interface RepoSpec {
  /**
   * Branch name → files. The first branch gets the root commit and becomes the
   * repository's default branch (HEAD); every other branch is one commit on top
   * of it, adding or overwriting its files.
   */
  branches: Readonly<Record<string, RepoFiles>>;
  /**
   * Tag name → the branch whose commit it marks (a lightweight tag), or
   * `{ target, message }` for an annotated tag.
   */
  tags?: Readonly<Record<string, string | { target: string; message: string }>>;
}

export interface GitRepo {
  readonly name: string;
  /** `git://127.0.0.1:<port>/<name>.git` */
  readonly url: string;
  /** `file://` URL of the bare repository. */
  readonly fileUrl: string;
  /** Path of the bare repository. */
  readonly path: string;
  /** Branch → commit SHA, as created. */
  readonly branches: Readonly<Record<string, string>>;
  /** Tag → commit SHA it points at (peeled, for annotated tags too). */
  readonly tags: Readonly<Record<string, string>>;
  /** Annotated tag → SHA of the tag object itself. */
  readonly tagObjects: Readonly<Record<string, string>>;
}

export interface GitServer {
  readonly port: number;
  /** Directory holding the bare repositories (`<name>.git`). */
  readonly baseDir: string;
  url(name: string): string;
  fileUrl(name: string): string;
  /** Creates `<name>.git` from `spec` and returns its SHAs. */
  createRepo(name: string, spec: RepoSpec): Promise<GitRepo>;
  /**
   * Adds one commit with `files` on top of `branch` (creating the branch from the
   * default branch when it does not exist) and returns the new commit's SHA.
   */
  pushCommit(name: string, branch: string, files: RepoFiles, message?: string): Promise<string>;
  /** Stops the daemon, waits for it and removes every repository. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A fixed identity and clock and no user or system config: the same spec gives
 * the same SHAs on every machine, and a developer's ~/.gitconfig (signing,
 * hooks, default branch) cannot change what tests see.
 */
const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Stratum Test',
  GIT_AUTHOR_EMAIL: 'test@stratum.invalid',
  GIT_COMMITTER_NAME: 'Stratum Test',
  GIT_COMMITTER_EMAIL: 'test@stratum.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git with the fixed environment; throws `GitFailed` on a non-zero exit. */
export async function runGit(args: readonly string[], cwd?: string): Promise<RunResult> {
  const result = await run('git', args, { cwd, env: GIT_ENV, timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new TestkitError('GitFailed', `git ${args.join(' ')} exited with code ${result.code}`, {
      detail: result.stderr,
    });
  }
  return result;
}

/** Starts `git daemon` and resolves once it accepts connections. */
export async function startGitServer(): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'stratum-git-'));
  const baseDir = join(root, 'repos');
  const scratch = join(root, 'scratch');
  await mkdir(baseDir);
  await mkdir(scratch);
  let service: Service;
  let port: number;
  try {
    ({ service, port } = await startDaemon(baseDir));
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const repoPath = (name: string) => join(baseDir, `${name}.git`);
  const url = (name: string) => `git://127.0.0.1:${port}/${name}.git`;
  const fileUrl = (name: string) => `file://${repoPath(name)}`;
  let work = 0;
  const workTree = async (name: string) => {
    const dir = join(scratch, `${name}-${++work}`);
    await runGit(['clone', '--quiet', repoPath(name), dir]);
    return dir;
  };

  const pushCommit = async (name: string, branch: string, files: RepoFiles, message?: string) => {
    const dir = await workTree(name);
    try {
      const exists = (await runGit(['ls-remote', '--heads', 'origin', branch], dir)).stdout.trim() !== '';
      await runGit(['checkout', '--quiet', ...(exists ? [branch] : ['-b', branch])], dir);
      const sha = await commitFiles(dir, files, message ?? `update ${Object.keys(files).join(', ')}`);
      await runGit(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], dir);
      return sha;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  let stopping: Promise<void> | undefined;
  return {
    port,
    baseDir,
    url,
    fileUrl,
    pushCommit,
    async createRepo(name, spec) {
      const branchNames = Object.keys(spec.branches);
      const first = branchNames[0];
      if (first === undefined) throw new TypeError(`createRepo(${name}): give at least one branch`);
      await runGit(['init', '--quiet', '--bare', `--initial-branch=${first}`, repoPath(name)]);
      const dir = join(scratch, `${name}-${++work}`);
      await runGit(['init', '--quiet', `--initial-branch=${first}`, dir]);
      try {
        const branches: Record<string, string> = {};
        branches[first] = await commitFiles(dir, spec.branches[first]!, `${first}: initial commit`);
        for (const branch of branchNames.slice(1)) {
          await runGit(['checkout', '--quiet', '-b', branch, first], dir);
          branches[branch] = await commitFiles(dir, spec.branches[branch]!, `${branch}: commit`);
        }
        const tags: Record<string, string> = {};
        const tagObjects: Record<string, string> = {};
        for (const [tag, how] of Object.entries(spec.tags ?? {})) {
          const target = typeof how === 'string' ? how : how.target;
          const sha = branches[target];
          if (sha === undefined)
            throw new TypeError(`createRepo(${name}): tag ${tag} names unknown branch ${target}`);
          if (typeof how === 'string') {
            await runGit(['tag', tag, sha], dir);
          } else {
            await runGit(['tag', '--annotate', '--message', how.message, tag, sha], dir);
            tagObjects[tag] = (await runGit(['rev-parse', `refs/tags/${tag}`], dir)).stdout.trim();
          }
          tags[tag] = sha;
        }
        await runGit(['push', '--quiet', repoPath(name), '--all'], dir);
        await runGit(['push', '--quiet', repoPath(name), '--tags'], dir);
        return {
          name,
          url: url(name),
          fileUrl: fileUrl(name),
          path: repoPath(name),
          branches,
          tags,
          tagObjects,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    stop() {
      stopping ??= service.stop().then(() => rm(root, { recursive: true, force: true }));
      return stopping;
    },
  };
}

async function commitFiles(dir: string, files: RepoFiles, message: string): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await runGit(['add', '--all'], dir);
  await runGit(['commit', '--quiet', '--allow-empty', '--message', message], dir);
  return (await runGit(['rev-parse', 'HEAD'], dir)).stdout.trim();
}

async function startDaemon(baseDir: string): Promise<{ service: Service; port: number }> {
  // The free port may be taken between picking and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const service = await spawnService(
        'git',
        [
          'daemon',
          '--reuseaddr',
          '--listen=127.0.0.1',
          `--port=${port}`,
          '--export-all',
          '--enable=receive-pack',
          '--informative-errors',
          `--base-path=${baseDir}`,
          baseDir,
        ],
        { name: 'git daemon', env: GIT_ENV, ready: () => tcpAccepts(port) },
      );
      return { service, port };
    } catch (error) {
      const clash =
        error instanceof TestkitError &&
        error.code === 'ServiceExited' &&
        /address already in use/i.test(error.detail);
      if (!clash || attempt >= 3) throw error;
    }
  }
}
