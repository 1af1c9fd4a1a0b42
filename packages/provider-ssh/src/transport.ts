import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult, Transport } from '@stratum/core';
import type SSHConfig from 'ssh-config';
import { AuthSession, defaultIdentityFiles } from './auth';
import type { ConnectionSettings, TransportLogger } from './connection';
import { ConnectionLostError, commandSummary, SshError } from './errors';
import { KnownHosts, knownHostsName } from './known-hosts';
import { ConnectionPool, raceAbort } from './pool';
import {
  checkSshConfigPath,
  defaultSshConfigPath,
  type HostSettings,
  loadSshConfig,
  type ResolvedTarget,
  resolveTarget,
} from './ssh-config';
import { sudoCheck, sudoFailed, viaSudo } from './sudo';

export interface SshTransportOptions {
  /** Settings from `.strat` host blocks, matched by `addr` (chiefly `port`). */
  hosts?: readonly HostSettings[];
  /** Home directory for `~` and the defaults below. Default: the current user's. */
  homeDir?: string;
  /**
   * ssh config to honour. Default `~/.ssh/config`, which may be absent. A path
   * given here must exist: `createSshTransport` throws `SshConfigMissing` when it
   * does not or is a directory (`/dev/null` is fine and means no config).
   */
  sshConfigPath?: string;
  /** known_hosts to check and append to. Default: ssh config's UserKnownHostsFile, else `~/.ssh/known_hosts`. */
  knownHostsPath?: string;
  /**
   * Identity files to offer after ssh config's IdentityFile entries. When given,
   * replaces the defaults (`~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`).
   */
  identityFiles?: readonly string[];
  /** ssh-agent socket. Default `$SSH_AUTH_SOCK`; `null` disables the agent. */
  agentSocket?: string | null;
  /** TCP + handshake + auth must finish within this. Default: ssh config ConnectTimeout, else 15 s. */
  connectTimeoutMs?: number;
  /** Default per-command timeout (a command's own `timeoutMs` wins). Default 10 min. */
  commandTimeoutMs?: number;
  /** Concurrent channels per connection. Default 8, below OpenSSH's MaxSessions of 10. */
  maxChannelsPerConnection?: number;
  /** ssh keepalive interval. Default 15 s; three unanswered in a row drop the connection. */
  keepaliveIntervalMs?: number;
  /** The remote user when neither the target nor ssh config names one. Default: the local user. */
  localUser?: string;
  logger?: TransportLogger;
}

/** A {@link Transport} that must be closed when done. */
export interface SshTransport extends Transport {
  /** Ends every connection; resolves when no socket is left open. Later `exec` calls fail. */
  close(): Promise<void>;
  /** How a target resolves (user, hostname, port, identities from ssh config). */
  resolve(host: string): Promise<ResolvedTarget>;
  /** Connections currently open or opening. */
  readonly connectionCount: number;
  prepare(host: string): void;
  /**
   * `prepare`, only when known_hosts already holds the host's key and every
   * hop's: such a connection never records a host key, and any failure waits
   * for the first command on the host. For callers that do not yet know
   * whether the run will reach the host.
   */
  prepareKnown(host: string): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_KEEPALIVE_MS = 15_000;

/**
 * Creates the pooled ssh transport: one ssh2 connection per `user@host:port`,
 * many commands multiplexed on it as channels. Targets resolve like OpenSSH
 * (`user@host` or an ssh config alias, Port/User/IdentityFile from ssh config,
 * a host block's `port` above all), auth uses ssh-agent then key files, and
 * host keys are checked against known_hosts with accept-new semantics (or
 * refuse-new, where ssh config says `StrictHostKeyChecking yes`). Recording a
 * new host key is announced once per host through `logger.warn`.
 *
 * A command that exits non-zero resolves with its exit code; `exec` rejects
 * (with an {@link SshError}) only when the command could not run or finish:
 * unreachable host, auth refused, host key changed, timeout, dropped connection.
 *
 * @throws SshError `SshConfigMissing` (or `SshConfigUnreadable`) at once when an
 *   explicit `sshConfigPath` cannot be read.
 * @example
 * const transport = createSshTransport({ hosts: [{ addr: 'root@192.0.2.10', port: 2222 }] });
 * try {
 *   const { exitCode, stdout } = await transport.exec('root@192.0.2.10', 'uname -r', { idempotent: true });
 * } finally {
 *   await transport.close();
 * }
 */
export function createSshTransport(options: SshTransportOptions = {}): SshTransport {
  const homeDir = options.homeDir ?? homedir();
  const localUser = options.localUser ?? userInfo().username;
  const explicitConfig = options.sshConfigPath !== undefined;
  const sshConfigPath = options.sshConfigPath ?? defaultSshConfigPath(homeDir);
  const hosts = new Map((options.hosts ?? []).map((h) => [h.addr, h] as const));
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxChannels = options.maxChannelsPerConnection ?? DEFAULT_MAX_CHANNELS;
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new RangeError(`maxChannelsPerConnection must be a positive integer, got ${maxChannels}`);
  }
  // A config the caller named must be there: falling back to none would connect
  // with other users, ports and known_hosts than the ones asked for.
  if (explicitConfig) checkSshConfigPath(sshConfigPath);
  const knownHosts = new KnownHosts();
  const announcedHosts = new Set<string>();
  const logger = options.logger;

  let config: Promise<SSHConfig | undefined> | undefined;
  const resolved = new Map<string, Promise<ResolvedTarget>>();
  const resolve = (addr: string): Promise<ResolvedTarget> => {
    let target = resolved.get(addr);
    if (!target) {
      config ??= loadSshConfig(sshConfigPath, homeDir, { required: explicitConfig });
      target = config.then((cfg) =>
        resolveTarget(addr, { config: cfg, configPath: sshConfigPath, hosts, homeDir, localUser }),
      );
      // Failures are not cached: fixing the config and retrying must work.
      target.catch(() => resolved.delete(addr));
      resolved.set(addr, target);
    }
    return target;
  };

  const knownHostsFilesFor = (target: ResolvedTarget): string[] =>
    options.knownHostsPath
      ? [options.knownHostsPath]
      : target.knownHostsFiles.length > 0
        ? [...target.knownHostsFiles]
        : [join(homeDir, '.ssh', 'known_hosts')];

  /** True when known_hosts holds a key for the target and for every hop before it. */
  const keysKnown = async (target: ResolvedTarget | undefined): Promise<boolean> => {
    for (let hop = target; hop !== undefined; hop = hop.jump) {
      const name = hop.hostKeyAlias ?? knownHostsName(hop.hostname, hop.port);
      const entries = await knownHosts.lookup(knownHostsFilesFor(hop), name);
      if (!entries.some((entry) => entry.marker === undefined)) return false;
    }
    return true;
  };

  const settingsFor = (target: ResolvedTarget): ConnectionSettings => {
    const configFiles = new Set(target.identityFiles);
    const extra =
      options.identityFiles ?? (target.identityFiles.length > 0 ? [] : defaultIdentityFiles(homeDir));
    const explicit = new Set([...target.identityFiles, ...(options.identityFiles ?? [])]);
    const agentSocket =
      options.agentSocket === null || target.identitiesOnly || target.identityAgent === null
        ? null
        : (target.identityAgent ?? options.agentSocket ?? process.env.SSH_AUTH_SOCK);
    return {
      connectTimeoutMs: options.connectTimeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
      keepaliveCountMax: 3,
      maxChannels,
      knownHosts,
      announcedHosts,
      knownHostsFiles: knownHostsFilesFor(target),
      prepareAuth: () =>
        AuthSession.prepare({
          user: target.user,
          agentSocket: agentSocket || null,
          identityFiles: [...configFiles, ...extra],
          explicitFiles: explicit,
        }),
      logger,
    };
  };

  const pool = new ConnectionPool(settingsFor);
  let closed = false;
  /** Per target key: the one `sudo -n true` run before its first command (see sudo.ts). */
  const sudoChecks = new Map<string, Promise<void>>();
  const checkSudo = (target: ResolvedTarget, conn: Awaited<ReturnType<ConnectionPool['get']>>) => {
    let check = sudoChecks.get(target.key);
    if (check === undefined) {
      check = conn
        .exec(sudoCheck(target.sudoUser), {
          stdin: undefined,
          timeoutMs: commandTimeoutMs,
          signal: undefined,
        })
        .then((result) => {
          if (result.exitCode !== 0) throw sudoFailed(target, result.exitCode, result.stderr);
        });
      sudoChecks.set(target.key, check);
      // A refusal holds for the run; a dropped connection is tried again with the next command.
      check.catch((err: unknown) => {
        if (!SshError.isInstance(err) || err.code !== 'SudoFailed') sudoChecks.delete(target.key);
      });
    }
    return check;
  };

  /**
   * Connections `prepare` started, by host, until an exec on that host takes
   * the outcome: a failed attempt is reported by that exec, once, and not
   * made again for it (an unreachable host costs one timeout, a refused key
   * one authentication).
   */
  const preparing = new Map<string, Promise<unknown>>();
  const prepare = (host: string): void => {
    if (closed || preparing.has(host)) return;
    const attempt = resolve(host).then((target) => pool.get(target));
    attempt.catch(() => undefined);
    preparing.set(host, attempt);
  };
  /**
   * {@link prepare}, for a host whose key, and every hop's, known_hosts already
   * holds; nothing otherwise. A connection started this way can end in no new
   * host key being recorded and nothing being said until a command on the host
   * asks for it, so a caller may start it before it knows the run will reach
   * the host at all.
   */
  const prepareKnown = (host: string): void => {
    if (closed || preparing.has(host)) return;
    const attempt = resolve(host).then(async (target) => {
      if (await keysKnown(target)) await pool.get(target);
    });
    attempt.catch(() => undefined);
    preparing.set(host, attempt);
  };
  /** Waits for a prepared attempt on `host`, rethrowing its failure; the next exec starts afresh. */
  const joinPrepared = async (host: string, signal: AbortSignal | undefined): Promise<void> => {
    const attempt = preparing.get(host);
    if (attempt === undefined) return;
    preparing.delete(host);
    await raceAbort(attempt, signal);
  };

  const exec = async (host: string, command: string, execOptions: ExecOptions = {}): Promise<ExecResult> => {
    if (closed) {
      throw new SshError(
        'TransportClosed',
        `ssh: cannot run \`${commandSummary(command)}\` on ${host}: the transport is closed`,
        {
          hint: 'Create a new transport; a closed one does not reconnect.',
        },
      );
    }
    const { signal, stdin } = execOptions;
    const aborted = (cause: unknown, target: string) =>
      new SshError(
        'CommandAborted',
        `ssh: command \`${commandSummary(command)}\` on ${target} was interrupted before it started`,
        {
          target,
          cause,
        },
      );
    if (signal?.aborted) throw aborted(signal.reason, host);
    try {
      await joinPrepared(host, signal);
    } catch (err) {
      if (signal?.aborted && !SshError.isInstance(err)) throw aborted(signal.reason, host);
      throw err;
    }
    const target = await resolve(host);
    // A stream can be read only once; bytes and strings can be sent again.
    const replayable = stdin === undefined || typeof stdin === 'string' || stdin instanceof Uint8Array;
    for (let attempt = 1; ; attempt++) {
      let conn: Awaited<ReturnType<ConnectionPool['get']>>;
      try {
        conn = await pool.get(target, signal);
      } catch (err) {
        if (signal?.aborted && !SshError.isInstance(err)) throw aborted(signal.reason, target.key);
        throw err;
      }
      try {
        if (target.sudo) await checkSudo(target, conn);
        return await conn.exec(target.sudo ? viaSudo(command, target.sudoUser) : command, {
          stdin,
          timeoutMs: execOptions.timeoutMs ?? commandTimeoutMs,
          signal,
          onStdout: execOptions.onStdout,
          longLived: execOptions.longLived,
          onPreempt: execOptions.onPreempt,
        });
      } catch (err) {
        const retry =
          err instanceof ConnectionLostError &&
          attempt === 1 &&
          !closed &&
          (!err.mayHaveRun || (execOptions.idempotent === true && replayable));
        if (!retry) throw err;
        logger?.debug(
          `[ssh] connection to ${target.key} dropped; running \`${commandSummary(command)}\` again on a new one`,
        );
      }
    }
  };

  return {
    exec,
    prepare,
    prepareKnown,
    // stdin streams with backpressure as it is produced; stdout is reported as it arrives.
    streaming: true,
    resolve,
    get connectionCount() {
      return pool.size;
    },
    async close() {
      closed = true;
      await pool.close();
    },
  };
}
