import type {
  ExecResult,
  HostCommand,
  JsonObject,
  KindHandler,
  Observed,
  Operation,
  ReadinessPoll,
  ReadinessVerdict,
} from '@stratum/core';
import { StratumError } from '@stratum/core';
import {
  absolutePathSchema,
  addrOf,
  compact,
  hostSchema,
  lastLine,
  priorString,
  requirePriorString,
  sha256Hex,
} from '@stratum/core/kit';
import { z } from 'zod';
import {
  checkBusyboxCommand,
  httpdConf,
  mkdirCommand,
  NO_PAGE,
  NOT_RUNNING,
  pagePaths,
  pageUrl,
  probeCommand,
  readyCommand,
  removeCommand,
  startCommand,
  stopCommand,
  writeConfCommand,
  writeIndexCommand,
} from './page-commands.js';

export const DEFAULT_BIND = '127.0.0.1';
export const DEFAULT_USER = 'motd';

/** `motd_page`: a message served over HTTP by BusyBox's httpd, optionally behind a password. */
export const pageSchema = z.strictObject({
  host: hostSchema,
  dir: absolutePathSchema.refine(
    (dir) => dir !== '/' && !dir.endsWith('/') && !dir.includes('\n'),
    'expected a directory of its own: not "/", without a trailing "/" or a newline',
  ),
  text: z.string(),
  port: z.int().min(1).max(65535),
  bind: z.ipv4().default(DEFAULT_BIND),
  user: z
    .string()
    .refine((user) => /^[^:\s]+$/.test(user), 'expected a user name without ":" or whitespace')
    .default(DEFAULT_USER),
  password: z
    .string()
    // BusyBox splits httpd.conf lines at whitespace and reads a value starting with `$` as a hash.
    .refine(
      (password) => /^[^\s$]\S*$/.test(password),
      'expected a password without whitespace that does not start with "$"',
    )
    .optional(),
});

export type PageAttrs = z.output<typeof pageSchema>;

/** What the page kind needs of the provider's settings. */
export interface PageSettings {
  readonly busybox: string;
}

/**
 * What state keeps: the password only as `password_sha256` (see `digests`), whether the server
 * was left running, and the pid it got.
 */
function stateOf(attrs: PageAttrs, pid: number): JsonObject {
  return compact({
    host: attrs.host,
    dir: attrs.dir,
    port: attrs.port,
    bind: attrs.bind,
    user: attrs.user,
    text: attrs.text,
    password_sha256: attrs.password === undefined ? undefined : sha256Hex(attrs.password),
    running: true,
    pid,
  });
}

/** Stops the server of a page and removes its files; `host` when that is not the operation's host. */
function removal(dir: string, host?: string): HostCommand[] {
  return [
    { command: stopCommand(dir), step: `stopping the httpd of ${dir}`, host, timeoutMs: 30_000 },
    {
      command: removeCommand(dir),
      step: `removal of ${dir}`,
      host,
      // A directory that still holds files of someone else's stays, with a warning.
      onFailure: 'warn',
    },
  ];
}

/** (Re)writes the files and (re)starts the server. */
function start(
  request: { kind: string; name: string; attrs: PageAttrs },
  settings: PageSettings,
  before: HostCommand[] = [],
): Operation {
  const { attrs } = request;
  const { busybox } = settings;
  const paths = pagePaths(attrs.dir);
  const commands: HostCommand[] = [
    ...before,
    {
      command: checkBusyboxCommand(busybox),
      step: `checking that ${busybox} has httpd`,
      hint: `install busybox on the host, or set \`busybox\` in the provider "motd" block to the binary's path`,
      // Once per host per run, however many pages the host serves.
      once: `motd:busybox:${busybox}`,
    },
    { command: stopCommand(attrs.dir), step: `stopping the httpd of ${attrs.dir}`, timeoutMs: 30_000 },
    { command: mkdirCommand(attrs.dir), step: `creating ${paths.www}` },
    { command: writeIndexCommand(attrs.dir), step: `writing ${paths.index}`, stdin: attrs.text },
    {
      command: writeConfCommand(attrs.dir),
      step: `writing ${paths.conf}`,
      // The password travels on stdin, never in a command line, and is masked in any error output.
      stdin: httpdConf(attrs.user, attrs.password),
      sensitive: attrs.password === undefined ? [] : [attrs.password],
    },
    {
      command: startCommand({ dir: attrs.dir, busybox, bind: attrs.bind, port: attrs.port }),
      step: `starting busybox httpd on ${attrs.bind}:${attrs.port}`,
    },
  ];
  return {
    host: attrs.host,
    commands,
    trace: [`[motd] PAGE \`${request.name}\` -> ${pageUrl(attrs.bind, attrs.port)} on ${attrs.host}`],
    record(results) {
      // The last command printed the pid of the server it started.
      const said = lastLine(results.at(-1)?.stdout ?? '');
      if (!/^[1-9][0-9]*$/.test(said)) {
        throw new StratumError(
          'MotdPageNoPid',
          `${addrOf(request)}: starting httpd on ${attrs.host} printed no pid`,
          {
            hint: `look at ${paths.log} on the host, then apply again`,
          },
        );
      }
      return stateOf(attrs, Number(said));
    },
  };
}

/** One readiness poll's verdict, from {@link readyCommand}'s result. */
export function readyVerdict(
  request: { kind: string; name: string; attrs: PageAttrs },
  result: ExecResult,
): ReadinessVerdict {
  const output = `${result.stdout}${result.stderr}`;
  if (result.exitCode === 0) return 'ready';
  // Asking for the password is an answer too.
  if (request.attrs.password !== undefined && /\b401\b/.test(output)) return 'ready';
  if (result.exitCode === NOT_RUNNING) {
    return {
      failed: new StratumError(
        'MotdPageNotRunning',
        `${addrOf(request)}: httpd on ${request.attrs.host} exited right after it started: ${lastLine(output)}`,
        {
          hint: `is port ${request.attrs.port} taken already? \`ss -ltnp\` on the host says who has it`,
        },
      ),
    };
  }
  return 'waiting';
}

/** {@link probeCommand}'s output as an observation; never throws. */
export function parsePageProbe(
  target: { host: string; dir: string },
  output: string,
  exitCode: number,
): Observed {
  if (exitCode === NO_PAGE) return { status: 'absent' };
  const newline = output.indexOf('\n');
  const status = newline === -1 ? '' : output.slice(0, newline);
  if (exitCode !== 0 || (status !== 'running' && status !== 'stopped')) {
    return {
      status: 'unknown',
      reason: `cannot read the page in ${target.dir} on ${target.host} (exit ${exitCode}): ${lastLine(output) || 'no output'}`,
    };
  }
  return {
    status: 'present',
    attrs: {
      host: target.host,
      dir: target.dir,
      text: output.slice(newline + 1),
      running: status === 'running',
    },
  };
}

/** The `motd_page` kind; `settings` is read when operations are built, after `configure`. */
export function pageKind(settings: PageSettings): KindHandler<PageAttrs> {
  return {
    schema: pageSchema,
    identity: ['host', 'dir'],

    secrets: {
      // A literal password is as secret as one from a `secret` block.
      attrs: ['password'],
      // The text may carry a secret too (the page can be password-protected); nothing else may.
      refs: ['password', 'text'],
      refusedHint: 'motd_page takes secrets in `password` and `text`; the other attributes are kept in state',
    },

    // State keeps `password_sha256`, never the password; the plan compares digests.
    digests: { password: 'password_sha256' },

    // Compare like with like: the defaults filled in, and a password that was taken out of the
    // config as `null`, so removing it plans a change (the planner compares only the keys given).
    planView: (attrs) => ({ bind: DEFAULT_BIND, user: DEFAULT_USER, password_sha256: null, ...attrs }),

    claims: ({ attrs }) => ({
      host: attrs.host,
      claims: [
        {
          type: 'port',
          port: attrs.port,
          protocol: 'tcp',
          // 0.0.0.0 is every interface: it clashes with any other bind of the port.
          bind: attrs.bind === '0.0.0.0' ? undefined : attrs.bind,
          label: `${attrs.bind}:${attrs.port}`,
        },
      ],
    }),

    create: (request) => start(request, settings),

    update(request) {
      const oldHost = priorString(request.prior, 'host');
      const oldDir = priorString(request.prior, 'dir');
      const moved =
        oldHost !== undefined &&
        oldDir !== undefined &&
        (oldHost !== request.attrs.host || oldDir !== request.attrs.dir);
      // Any change rewrites the files and restarts the server; a page that moved is removed first.
      return start(request, settings, moved ? removal(oldDir, oldHost) : []);
    },

    delete(request) {
      const host = requirePriorString(request, 'host');
      return {
        host,
        commands: removal(requirePriorString(request, 'dir')),
        trace: [`[motd] PAGE \`${request.name}\` removed from ${host}`],
      };
    },

    ready(request): ReadinessPoll {
      const { attrs } = request;
      return {
        type: 'poll',
        host: attrs.host,
        command: readyCommand({
          dir: attrs.dir,
          busybox: settings.busybox,
          bind: attrs.bind,
          port: attrs.port,
        }),
        intervalMs: 250,
        maxPolls: 40,
        check: (result) => readyVerdict(request, result),
        timedOut: (last, polls) =>
          new StratumError(
            'MotdPageNotAnswering',
            `${addrOf(request)}: ${pageUrl(attrs.bind, attrs.port)} on ${attrs.host} did not answer after ${polls} polls: ${lastLine(`${last?.stdout ?? ''}${last?.stderr ?? ''}`) || 'no output'}`,
            { hint: `look at ${pagePaths(attrs.dir).log} on the host` },
          ),
      };
    },

    probe(request) {
      const host = requirePriorString(request, 'host');
      const dir = requirePriorString(request, 'dir');
      return {
        host,
        script: probeCommand(dir),
        parse: (output, exitCode) => parsePageProbe({ host, dir }, output, exitCode),
      };
    },
  };
}
