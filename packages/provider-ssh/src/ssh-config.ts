// A namespace import: a named import of `globSync` (Node >= 22) would fail at link time on an
// older Node, before the version check could say why.
import * as fs from 'node:fs';
import { hostname as localHostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type SSHConfig from 'ssh-config';
import { SshError } from './errors';
import { configForHost } from './ssh-config-index';

/** Extra settings for one target, taken from a `.strat` host block. */
export interface HostSettings {
  /** The target string resources use (`host.<name>.addr`): `user@host` or an ssh config alias. */
  addr: string;
  /** Overrides ssh config's `Port` for this target. */
  port?: number | undefined;
  /** The host block's `sudo = true`: every command runs as root through `sudo -n`. */
  sudo?: boolean | undefined;
  /** The host block's `sudo_user`: with `sudo`, commands run as this user instead of root (`sudo -n -u`). */
  sudoUser?: string | undefined;
  /** The host block's `jump`: hops (`[user@]host[:port]`) to go through, first to last; beats ssh config `ProxyJump`. */
  jump?: readonly string[] | undefined;
}

/** Where and as whom to connect, after ssh config and host settings were applied. */
export interface ResolvedTarget {
  /** The target string the caller passed. */
  readonly addr: string;
  readonly user: string;
  readonly hostname: string;
  readonly port: number;
  /** Commands run through `sudo -n` as root (the host block's `sudo = true`). */
  readonly sudo: boolean;
  /** Who commands run as under `sudo`: the host block's `sudo_user`, or root when it has none. */
  readonly sudoUser?: string | undefined;
  /**
   * The last hop to connect through (ssh config `ProxyJump`, or the host block's
   * `jump`), whose own `jump` is the hop before it; undefined to connect directly.
   */
  readonly jump?: ResolvedTarget | undefined;
  /** Identity files named by ssh config (`IdentityFile`), `~` and tokens expanded. */
  readonly identityFiles: readonly string[];
  /** ssh config `IdentitiesOnly yes`: do not offer agent keys. */
  readonly identitiesOnly: boolean;
  /** ssh config `IdentityAgent`: a socket path, `null` for `none`, `undefined` when unset. */
  readonly identityAgent: string | null | undefined;
  /** ssh config `UserKnownHostsFile`, expanded; empty when unset. */
  readonly knownHostsFiles: readonly string[];
  /** ssh config `HostKeyAlias`: the name to look up in known_hosts instead of the hostname. */
  readonly hostKeyAlias: string | undefined;
  /** ssh config `ConnectTimeout`, in ms. */
  readonly connectTimeoutMs: number | undefined;
  /**
   * ssh config `StrictHostKeyChecking`, normalised: `yes` and `ask` refuse a host
   * not in known_hosts (stratum never prompts), `accept-new` (the default) and
   * `no` (`off`) record it. A changed key is refused under every value.
   */
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  /** `user@hostname:port`: the pool's key and what messages show. */
  readonly key: string;
}

/** The values of ssh config `StrictHostKeyChecking` (`off` reads as `no`, `true`/`false` as `yes`/`no`). */
export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export interface ResolveContext {
  /** The parsed ssh config, or undefined when there is none. */
  config: SSHConfig | undefined;
  /** Its path, for messages. */
  configPath: string;
  /** Host block settings, by `addr`. */
  hosts: ReadonlyMap<string, HostSettings>;
  homeDir: string;
  localUser: string;
}

/** Splits `user@host` (the last `@` separates, like ssh) and strips `[...]` around an IPv6 address. */
export function parseTargetAddr(addr: string): { user: string | undefined; host: string } {
  const at = addr.lastIndexOf('@');
  const user = at > 0 ? addr.slice(0, at) : undefined;
  let host = at >= 0 ? addr.slice(at + 1) : addr;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { user, host };
}

/**
 * Reads an ssh config file, inlining `Include` directives. A missing file is no
 * config (undefined), as for ssh, unless `required`: a file the caller named
 * must exist (`SshConfigMissing`), as for `ssh -F`.
 */
export async function loadSshConfig(
  path: string,
  homeDir: string,
  options: { required?: boolean } = {},
): Promise<SSHConfig | undefined> {
  const text = readConfigText(path, homeDir, 0);
  if (text === undefined && options.required) throw sshConfigMissing(path, 'does not exist');
  if (text === undefined) return undefined;
  // Loaded on first use: the parser pulls in node:child_process (for `Match
  // exec`), and plan, validate and fmt import this provider without connecting.
  const { default: parser } = await import('ssh-config');
  return parser.parse(text);
}

/**
 * Checks, synchronously, that an ssh config the caller named explicitly can be
 * read: it exists (`SshConfigMissing`), is not a directory (`SshConfigMissing`)
 * and is readable (`SshConfigUnreadable`). Devices and pipes pass, so
 * `/dev/null` means no config, as with `ssh -F /dev/null`.
 */
export function checkSshConfigPath(path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw sshConfigMissing(path, 'does not exist');
    throw unreadable(path, err);
  }
  if (isDirectory) throw sshConfigMissing(path, 'is a directory, not a file');
  try {
    fs.accessSync(path, fs.constants.R_OK);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function sshConfigMissing(path: string, what: string): SshError<'SshConfigMissing'> {
  return new SshError('SshConfigMissing', `ssh config ${path} ${what}`, {
    hint:
      'Check the path given as the ssh config (--ssh-config or STRATUM_SSH_CONFIG); ' +
      'leave it unset to use ~/.ssh/config, or pass /dev/null for no ssh config at all.',
  });
}

function unreadable(path: string, err: unknown): SshError<'SshConfigUnreadable'> {
  return new SshError('SshConfigUnreadable', `cannot read ssh config ${path}: ${(err as Error).message}`, {
    cause: err,
    hint: 'Fix the file permissions, or point the transport at another ssh config.',
  });
}

const INCLUDE = /^\s*include\s*[=\s]\s*(.+?)\s*$/i;

/**
 * Synchronous, as are the other local reads on the way to a connect (known_hosts,
 * the identities): these files are a few KB, and an asynchronous read takes
 * four hops through the event loop (open, stat, read, close). A connection is
 * started while the config load keeps the loop busy, and each hop waited for
 * the next free moment: the handshake began ~40 ms after the config named its
 * host instead of at once.
 */
function readConfigText(path: string, homeDir: string, depth: number): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && depth === 0) return undefined;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw unreadable(path, err);
  }
  if (depth > 16) {
    throw new SshError('SshConfigUnsupported', `ssh config ${path}: Include nested more than 16 deep`, {
      hint: 'Look for an Include that includes itself.',
    });
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    // ssh resolves relative Include paths against ~/.ssh for the user's config.
    for (const pattern of splitArgs(include[1]!)) {
      const expanded = expandTilde(pattern, homeDir);
      const absolute = isAbsolute(expanded) ? expanded : join(homeDir, '.ssh', expanded);
      for (const file of fs.globSync(absolute).sort()) {
        const included = readConfigText(file, homeDir, depth + 1);
        if (included !== undefined) out.push(included);
      }
    }
  }
  return out.join('\n');
}

/** Splits a directive's value on whitespace, honouring double quotes. */
function splitArgs(value: string): string[] {
  const args: string[] = [];
  for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) args.push(m[1] ?? m[2]!);
  return args;
}

function expandTilde(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return path;
}

/** Expands ssh_config(5) tokens (the subset that makes sense without a running ssh). */
function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, letter: string) =>
    letter === '%' ? '%' : (tokens[letter] ?? whole),
  );
}

function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap(splitArgs);
}

/**
 * Resolves a target string the way `ssh <addr>` would: `user@` in the addr beats
 * ssh config `User` beats the local user; a host block's `port` beats ssh config
 * `Port` beats 22; `HostName`, `IdentityFile`, `IdentitiesOnly`, `IdentityAgent`,
 * `UserKnownHostsFile`, `HostKeyAlias`, `ConnectTimeout` and `StrictHostKeyChecking`
 * come from the first matching `Host`/`Match` blocks (first value wins). `Match exec` blocks are not
 * evaluated (they never match), so resolving never runs a command.
 *
 * @throws SshError `SshConfigUnsupported` for `ProxyJump`/`ProxyCommand`, which
 *   this transport cannot honour (connecting directly instead would be wrong).
 */
export function resolveTarget(addr: string, ctx: ResolveContext, depth = 0): ResolvedTarget {
  const { user: addrUser, host } = parseTargetAddr(addr);
  if (host === '') {
    throw new SshError('SshConfigInvalid', `\`${addr}\` has no host name`, {
      hint: 'Write the target as user@host or as a Host alias from ~/.ssh/config.',
    });
  }
  const computed: Record<string, string | string[]> = ctx.config
    ? configForHost(ctx.config, host).compute(addrUser ? { Host: host, User: addrUser } : { Host: host }, {
        ignoreCase: true,
        matchExec: false,
      })
    : {};

  const proxyCommand = single(computed.proxycommand);
  if (proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none') {
    throw new SshError(
      'SshConfigUnsupported',
      `ssh config ${ctx.configPath} sets ProxyCommand for \`${host}\`; the stratum ssh transport runs no local commands`,
      {
        hint: "Use ProxyJump (or the host block's `jump`) for a bastion: stratum forwards through it over ssh itself.",
      },
    );
  }
  const proxyJump = single(computed.proxyjump);
  const hops =
    ctx.hosts.get(addr)?.jump ??
    (proxyJump === undefined || proxyJump.toLowerCase() === 'none'
      ? []
      : proxyJump.split(',').map((hop) => hop.trim()));
  let jump: ResolvedTarget | undefined;
  for (const hop of hops) jump = resolveHop(hop, jump, ctx, depth);

  const hostname = expandTokens(single(computed.hostname) ?? host, { h: host });
  const user = addrUser ?? single(computed.user) ?? ctx.localUser;
  const port = ctx.hosts.get(addr)?.port ?? parsePort(single(computed.port), host, ctx.configPath) ?? 22;

  const tokens: Record<string, string> = {
    d: ctx.homeDir,
    u: ctx.localUser,
    r: user,
    h: hostname,
    n: host,
    p: String(port),
    l: localHostname(),
  };
  const expandPath = (p: string) => resolve(expandTilde(expandTokens(p, tokens), ctx.homeDir));

  const agent = single(computed.identityagent);
  const timeout = single(computed.connecttimeout);
  const hostKeyAlias = single(computed.hostkeyalias);
  return {
    addr,
    user,
    hostname,
    port,
    sudo: ctx.hosts.get(addr)?.sudo === true,
    sudoUser: ctx.hosts.get(addr)?.sudo === true ? ctx.hosts.get(addr)?.sudoUser : undefined,
    identityFiles: list(computed.identityfile).map(expandPath),
    identitiesOnly: single(computed.identitiesonly)?.toLowerCase() === 'yes',
    identityAgent:
      agent === undefined
        ? undefined
        : agent.toLowerCase() === 'none'
          ? null
          : agent === 'SSH_AUTH_SOCK'
            ? undefined
            : expandPath(agent),
    knownHostsFiles: list(computed.userknownhostsfile)
      .filter((f) => f.toLowerCase() !== 'none')
      .map(expandPath),
    hostKeyAlias,
    connectTimeoutMs: timeout !== undefined && /^\d+$/.test(timeout) ? Number(timeout) * 1000 : undefined,
    strictHostKeyChecking: parseStrictHostKeyChecking(
      single(computed.stricthostkeychecking),
      host,
      ctx.configPath,
    ),
    ...(jump === undefined ? {} : { jump }),
    key: `${user}@${hostname}:${port}${jump === undefined ? '' : ` via ${jump.key}`}`,
  };
}

/** Hops a target may go through, counting the hops of its hops: far beyond any real network. */
const MAX_HOPS = 8;

/**
 * One hop of a jump chain, `[user@]host[:port]` (`[v6]:port` for IPv6), resolved
 * like any target: its ssh config entry applies (user, identity, known hosts),
 * and its own ProxyJump too when it is the first hop, as with ssh. `previous`
 * is the hop before it.
 */
function resolveHop(
  spec: string,
  previous: ResolvedTarget | undefined,
  ctx: ResolveContext,
  depth: number,
): ResolvedTarget {
  if (depth >= MAX_HOPS) {
    throw new SshError('SshConfigUnsupported', `jump hosts nest more than ${MAX_HOPS} deep at \`${spec}\``, {
      hint: 'Look for a ProxyJump that leads back to itself (a `Host *` entry that also matches the bastion).',
    });
  }
  const parsed = /^(?:(.+)@)?(\[[^\]]+\]|[^:@]+)(?::(\d+))?$/.exec(spec);
  if (!parsed) {
    throw new SshError('SshConfigInvalid', `jump host \`${spec}\` is not [user@]host[:port]`, {
      hint: 'Write each hop as user@host or user@host:port, several separated by commas.',
    });
  }
  const [, user, host, port] = parsed;
  const hopAddr = `${user === undefined ? '' : `${user}@`}${host}`;
  // A hop takes no host block settings: those belong to the target.
  const resolved = resolveTarget(hopAddr, { ...ctx, hosts: new Map() }, depth + 1);
  const hopPort = port === undefined ? resolved.port : Number(port);
  const jump = previous ?? resolved.jump;
  return {
    ...resolved,
    port: hopPort,
    sudo: false,
    sudoUser: undefined,
    jump,
    key: `${resolved.user}@${resolved.hostname}:${hopPort}${jump === undefined ? '' : ` via ${jump.key}`}`,
  };
}

/** OpenSSH's spellings (case-insensitive), normalised. */
const STRICT_HOST_KEY_CHECKING = new Map<string, StrictHostKeyChecking>([
  ['yes', 'yes'],
  ['true', 'yes'],
  ['ask', 'ask'],
  ['accept-new', 'accept-new'],
  ['no', 'no'],
  ['off', 'no'],
  ['false', 'no'],
]);

function parseStrictHostKeyChecking(
  value: string | undefined,
  host: string,
  configPath: string,
): StrictHostKeyChecking {
  if (value === undefined) return 'accept-new';
  const policy = STRICT_HOST_KEY_CHECKING.get(value.toLowerCase());
  if (policy === undefined) {
    throw new SshError(
      'SshConfigInvalid',
      `ssh config ${configPath}: StrictHostKeyChecking \`${value}\` for \`${host}\` is not one of yes, accept-new, no, off, ask`,
      { hint: 'Set StrictHostKeyChecking to yes, accept-new or no.' },
    );
  }
  return policy;
}

function parsePort(value: string | undefined, host: string, configPath: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SshError(
      'SshConfigInvalid',
      `ssh config ${configPath}: Port \`${value}\` for \`${host}\` is not a port number`,
      {
        hint: 'Set Port to a number between 1 and 65535.',
      },
    );
  }
  return port;
}

/** Default ssh config path for a home directory. */
export function defaultSshConfigPath(homeDir: string): string {
  return join(homeDir, '.ssh', 'config');
}
