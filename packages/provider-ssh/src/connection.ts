import type { Socket } from 'node:net';
import type { ExecResult, StdinSource } from '@stratum/core';
import type { Client, ClientChannel } from 'ssh2';
import type { AuthSession } from './auth';
import { type ChannelRun, runOnChannel } from './channel-exec';
import { EarlySocket } from './early-socket';
import {
  AuthFailedError,
  ConnectionLostError,
  commandSummary,
  HostKeyUnknownError,
  SshError,
} from './errors';
import { fingerprint, type KnownHosts, keyTypeOf, knownHostsName } from './known-hosts';
import { Semaphore } from './semaphore';
import type { ResolvedTarget } from './ssh-config';
import type { Ssh2 } from './ssh2-module';

/** Where log lines of the transport go. Never receives secrets (commands are shown by their first line only). */
export interface TransportLogger {
  debug(line: string): void;
  /** What the operator should see (the CLI prints it on stderr), e.g. a new host key recorded. Falls back to `debug`. */
  warn?(line: string): void;
}

export interface ConnectionSettings {
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxChannels: number;
  knownHosts: KnownHosts;
  /** Shared by the transport's connections: each new host key announced (file, name, fingerprint), so it is announced once. */
  announcedHosts: Set<string>;
  /** known_hosts files to check, the first is where new hosts are recorded. */
  knownHostsFiles: readonly string[];
  /** Builds the identities to offer; called once per connect. */
  prepareAuth: () => Promise<AuthSession>;
  logger: TransportLogger | undefined;
}

export interface ConnectionExecOptions {
  stdin: StdinSource | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Stdout as it arrives, instead of in the result. */
  onStdout?: ((text: string) => void) | undefined;
  /** Holds its channel for long (a session shell): refused rather than queued; see {@link SshConnection.exec}. */
  longLived?: boolean | undefined;
  /** For a long-lived command: asked to give its channel back (see {@link SshConnection.exec}). */
  onPreempt?: (() => void) | undefined;
}

/** Refusals to open a channel are retried this many times (the semaphore should make them rare). */
const CHANNEL_OPEN_ATTEMPTS = 8;

type ErrorWithLevel = Error & { level?: string; code?: string };

/**
 * One ssh2 client to one `(user, host, port)`, shared by every command to that
 * target. Commands run on their own channels, at most `maxChannels` at once;
 * when the server refuses a channel anyway (its MaxSessions is lower), the
 * limit is lowered to what the server accepted and the command retried after a
 * short backoff.
 */
export class SshConnection {
  readonly target: ResolvedTarget;
  readonly #settings: ConnectionSettings;
  readonly #client: Client;
  readonly #channels: Semaphore;
  readonly #lost = new AbortController();
  #state: 'new' | 'connecting' | 'ready' | 'closed' = 'new';
  #opensSinceRefusal = 0;
  /** Channels the server opened for us and has not closed yet. */
  #openChannels = 0;
  /** Slots held by long-lived commands (session shells). */
  #longLived = 0;
  /** The long-lived commands that can be asked to give their channel back, oldest first. */
  readonly #preemptible: Array<() => void> = [];
  #connecting: Promise<void> | undefined;
  #failConnect: ((err: Error) => void) | undefined;
  /** Set once ssh2 owns a socket, whose 'close' then always arrives. */
  #hadSocket = false;
  readonly #closed: Promise<void>;

  /** The bastion's connection when the target is reached through a jump host. */
  readonly #via: SshConnection | undefined;
  /** The TCP connection the pool opened ahead of us (direct targets); taken by the connect. */
  #early: EarlySocket | undefined;

  /**
   * `ssh2` is the loaded module (loaded on first use by the pool): construction
   * stays synchronous for the pool. `early`, for a direct target, is a TCP
   * connection already under way to it, which this connection then owns.
   */
  constructor(
    target: ResolvedTarget,
    settings: ConnectionSettings,
    ssh2: Ssh2,
    via?: SshConnection,
    early?: EarlySocket,
  ) {
    this.target = target;
    this.#settings = settings;
    this.#via = via;
    this.#early = via === undefined ? early : undefined;
    if (via !== undefined) early?.destroy();
    this.#client = new ssh2.Client();
    this.#channels = new Semaphore(settings.maxChannels);
    this.#closed = new Promise((resolve) => this.#client.once('close', () => resolve()));
    this.#client.on('close', () => this.#onClose());
  }

  /** True until the connection closed (or failed to open). */
  get alive(): boolean {
    return this.#state !== 'closed';
  }

  /** Opens the connection; concurrent calls share one attempt. */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const { target } = this;
    const settings = this.#settings;
    this.#state = 'connecting';
    const knownName = target.hostKeyAlias ?? knownHostsName(target.hostname, target.port);
    // Direct: TCP is opened before the identities load (if the pool has not already), so the two overlap.
    const early =
      this.#via === undefined ? (this.#early ?? new EarlySocket(target.hostname, target.port)) : undefined;
    this.#early = undefined;
    let auth: AuthSession;
    let serverHostKey: string[] | undefined;
    let forwarded: ClientChannel | undefined;
    try {
      [auth, serverHostKey] = await Promise.all([
        settings.prepareAuth(),
        settings.knownHosts.preferredAlgorithms(settings.knownHostsFiles, knownName),
      ]);
      // close() may have run while the identities were loading.
      if (!this.alive) throw closedError(target.key);
      settings.logger?.debug(`[ssh] connecting to ${target.key}`);
      // Through a bastion: a direct-tcpip channel of its connection stands in for the TCP socket.
      forwarded = this.#via === undefined ? undefined : await this.#forwardThrough(this.#via);
    } catch (err) {
      early?.destroy();
      throw err;
    }
    // The bastion's EOF means the target's end of the TCP connection is gone. A
    // socket would then close by itself; a channel is half-open and waits for our
    // EOF, and without a 'close' this connection would look alive forever (ssh2
    // stops its keepalive at 'end'). Close the channel so 'close' follows.
    forwarded?.once('end', () => forwarded.destroy());

    await new Promise<void>((resolve, reject) => {
      const taken = forwarded ?? early?.take() ?? 'closed';
      if (taken instanceof Error || taken === 'closed') {
        // The TCP connection failed before ssh2 had it: the same report as when ssh2 sees it fail.
        early?.destroy();
        this.#state = 'closed';
        reject(taken === 'closed' ? closedDuringHandshake(target.key) : socketError(target.key, taken));
        return;
      }
      const socket: Socket | ClientChannel = taken;
      let settled = false;
      let hostKeyError: Error | undefined;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#client.destroy();
        socket.destroy();
        this.#state = 'closed';
        reject(err);
      };
      this.#failConnect = fail;
      const timer = setTimeout(
        () =>
          fail(
            new SshError(
              'ConnectTimeout',
              `ssh: connecting to ${target.key} timed out after ${settings.connectTimeoutMs} ms`,
              {
                target: target.key,
                hint: 'Check that the host is up, that the port is right and sshd answers on it, and that no firewall drops the traffic.',
              },
            ),
          ),
        settings.connectTimeoutMs,
      );

      this.#client.on('error', (err: ErrorWithLevel) => {
        if (settled) {
          settings.logger?.debug(`[ssh] ${target.key}: ${err.message}`);
          return;
        }
        if (err.level === 'agent') {
          auth.noteAgentError(err);
          return;
        }
        if (hostKeyError) return fail(hostKeyError);
        if (err.level === 'client-authentication')
          return fail(new AuthFailedError(target.key, auth.attempts));
        if (err.level === 'client-socket') return fail(socketError(target.key, err));
        fail(
          new SshError('SshHandshakeFailed', `ssh: handshake with ${target.key} failed: ${err.message}`, {
            target: target.key,
            cause: err,
            hint: 'Check that the port speaks ssh and that the server allows modern algorithms (ed25519/ecdsa/rsa-sha2, curve25519/ecdh).',
          }),
        );
      });
      this.#client.once('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#state = 'ready';
        this.#failConnect = undefined;
        settings.logger?.debug(`[ssh] connected to ${target.key}`);
        resolve();
      });
      this.#client.once('close', () => fail(closedDuringHandshake(target.key)));

      try {
        this.#client.connect({
          sock: socket,
          host: target.hostname,
          port: target.port,
          username: target.user,
          authHandler: auth.handler,
          hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
            const acceptNew =
              target.strictHostKeyChecking !== 'yes' && target.strictHostKeyChecking !== 'ask';
            settings.knownHosts.verify(settings.knownHostsFiles, knownName, key, target.key, acceptNew).then(
              (outcome) => {
                if (outcome === 'unknown') {
                  hostKeyError = this.#unknownHostError(knownName, key);
                  return verify(false);
                }
                if (outcome === 'recorded') this.#announceNewHost(knownName, key);
                verify(true);
              },
              (err: Error) => {
                hostKeyError = err;
                verify(false);
              },
            );
          },
          algorithms: { serverHostKey: serverHostKey as never },
          keepaliveInterval: settings.keepaliveIntervalMs,
          keepaliveCountMax: settings.keepaliveCountMax,
          // Our timer above covers TCP, handshake and auth together.
          readyTimeout: 0,
        });
        this.#hadSocket = true;
      } catch (err) {
        socket.destroy();
        fail(
          new SshError(
            'SshHandshakeFailed',
            `ssh: cannot start a connection to ${target.key}: ${(err as Error).message}`,
            {
              target: target.key,
              cause: err,
            },
          ),
        );
      }
    });
  }

  /**
   * Opens a channel from `via` (the bastion, connected) to this target's host
   * and port, within the connect timeout. A refusal (the bastion forbids
   * forwarding, or cannot reach the host) names both ends.
   */
  async #forwardThrough(via: SshConnection): Promise<ClientChannel> {
    const { target } = this;
    const timeoutMs = this.#settings.connectTimeoutMs;
    try {
      return await new Promise<ClientChannel>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        via.forwardOut(target.hostname, target.port).then(
          (channel) => {
            clearTimeout(timer);
            resolve(channel);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    } catch (err) {
      this.#state = 'closed';
      throw new SshError(
        'HostUnreachable',
        `ssh: cannot reach ${target.hostname}:${target.port} through ${via.target.key}: ${(err as Error).message}`,
        {
          target: target.key,
          cause: err,
          hint: 'Check that the bastion can reach that host and port, and that its sshd allows forwarding (AllowTcpForwarding).',
        },
      );
    }
  }

  /** A direct-tcpip channel from this (connected) host to `host:port`, as `ssh -J` opens through a bastion. */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        this.#client.forwardOut('127.0.0.1', 0, host, port, (err, channel) =>
          err ? reject(err) : resolve(channel),
        );
      } catch (err) {
        reject(err);
      }
    });
  }

  /** `host`, or `host:port` off port 22 (`[v6]:port` for an IPv6 address): how the operator names the host. */
  get #displayHost(): string {
    const { hostname, port } = this.target;
    if (port === 22) return hostname;
    return hostname.includes(':') ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  }

  /** Tells the operator, once per host and file, that a host key was trusted on first use. */
  #announceNewHost(knownName: string, key: Buffer): void {
    const file = this.#settings.knownHostsFiles[0]!;
    const fp = fingerprint(key);
    const seen = this.#settings.announcedHosts;
    // The same key recorded again (a known_hosts file emptied under us, or /dev/null) is not news.
    const id = `${file}\0${knownName}\0${fp}`;
    if (seen.has(id)) return;
    seen.add(id);
    const alias = this.target.hostKeyAlias ? ` (HostKeyAlias ${this.target.hostKeyAlias})` : '';
    const line = `[ssh] new host ${this.#displayHost}${alias}: added ${keyTypeOf(key)} key ${fp} to ${file}`;
    const logger = this.#settings.logger;
    if (logger?.warn) logger.warn(line);
    else logger?.debug(line);
  }

  #unknownHostError(knownName: string, key: Buffer): HostKeyUnknownError {
    const { target } = this;
    return new HostKeyUnknownError({
      target: target.key,
      host: this.#displayHost,
      hostname: target.hostname,
      port: target.port,
      knownHostsName: knownName,
      knownHostsFiles: this.#settings.knownHostsFiles,
      fingerprint: fingerprint(key),
      keyType: keyTypeOf(key),
      policy: target.strictHostKeyChecking === 'ask' ? 'ask' : 'yes',
      hostKeyAlias: target.hostKeyAlias,
    });
  }

  #onClose(): void {
    const wasReady = this.#state === 'ready';
    this.#state = 'closed';
    const reason = new Error(`connection to ${this.target.key} closed`);
    this.#lost.abort(reason);
    this.#channels.rejectAll(reason);
    if (wasReady) this.#settings.logger?.debug(`[ssh] connection to ${this.target.key} closed`);
  }

  /**
   * Runs `command` on a new channel. Rejects with {@link ConnectionLostError}
   * (`mayHaveRun: false`) when the connection dropped before the command could
   * start, so the caller knows a retry is safe.
   *
   * A `longLived` command (a session shell, which holds its channel while
   * its caller waits for other commands) never waits for a slot and never
   * takes the last one: it is refused at once (`ChannelsBusy`) when no slot
   * is free or it would leave none for ordinary commands. Several hosts can
   * share this connection (aliases of one machine); if their shells could
   * take every slot, each would wait forever for a slot for its host's next
   * exec. Ordinary commands hold a slot only while they run, so with one slot
   * always theirs, every command gets one in turn.
   *
   * The one slot is counted against the limit we assume until the server
   * refuses a channel. A server that allows fewer (`MaxSessions 1`) can leave
   * every channel to long-lived commands; an ordinary command then asks the
   * oldest of them to give its channel back (`onPreempt`) before it waits.
   */
  async exec(command: string, options: ConnectionExecOptions): Promise<ExecResult> {
    const { target } = this;
    const longLived = options.longLived === true;
    for (let attempt = 1; ; attempt++) {
      if (longLived) {
        if (this.#longLived + 1 >= this.#channels.limit || !this.#channels.tryAcquire())
          throw channelsBusy(target.key, this.#channels.limit);
        // Counted from the grant, not the open: the next caller's check must see it.
        this.#longLived++;
        if (options.onPreempt !== undefined) this.#preemptible.push(options.onPreempt);
      } else {
        this.#preemptIfHeld();
        try {
          await this.#channels.acquire(options.signal);
        } catch (err) {
          if (options.signal?.aborted) throw abortedError(target.key, command, options.signal.reason);
          throw new ConnectionLostError(target.key, command, false, err);
        }
      }
      let run: ChannelRun;
      try {
        run = await this.#openChannel(command, (channel) =>
          runOnChannel(channel, {
            target: target.key,
            command,
            stdin: options.stdin,
            timeoutMs: options.timeoutMs,
            signal: options.signal,
            onStdout: options.onStdout,
            lost: this.#lost.signal,
          }),
        );
      } catch (err) {
        this.#releaseSlot(longLived, options.onPreempt);
        if (!this.alive || !isChannelRefusal(err)) {
          throw new ConnectionLostError(target.key, command, false, err);
        }
        if (attempt >= CHANNEL_OPEN_ATTEMPTS) {
          throw new SshError(
            'ChannelRefused',
            `ssh: ${target.key} refused to open a session channel ${attempt} times (${(err as Error).message})`,
            {
              target: target.key,
              cause: err,
              hint: "Raise MaxSessions in the server's sshd_config, or lower maxChannelsPerConnection.",
            },
          );
        }
        this.#onRefusal(attempt);
        await delay(attempt === 1 ? 5 : 25 * 2 ** (attempt - 2), options.signal).catch(() => {
          throw abortedError(target.key, command, options.signal?.reason);
        });
        continue;
      }
      this.#onOpened();
      // The slot is held until the server confirms the close, which for a killed
      // command can come after the result.
      run.closed.then(() => {
        this.#openChannels--;
        this.#releaseSlot(longLived, options.onPreempt);
      });
      return run.result;
    }
  }

  #releaseSlot(longLived: boolean, onPreempt: (() => void) | undefined): void {
    if (longLived) {
      this.#longLived--;
      const at = onPreempt === undefined ? -1 : this.#preemptible.indexOf(onPreempt);
      if (at >= 0) this.#preemptible.splice(at, 1);
    }
    this.#channels.release();
  }

  /**
   * Every slot is held by long-lived commands: an ordinary command would wait
   * for one of them to end, which may be never if its caller waits for this
   * command. The oldest that can be asked is asked to give its channel back.
   */
  #preemptIfHeld(): void {
    if (this.#longLived < this.#channels.limit) return;
    this.#preemptible.shift()?.();
  }

  /**
   * The server refused a channel. sshd refuses briefly when channels we just
   * closed are not yet freed on its side (it frees them after the packet batch
   * that carried our close), so a first refusal only earns a quick retry. A
   * second refusal of the same command means the server's MaxSessions is below
   * our limit: it is taken to be the number of channels open now.
   */
  #onRefusal(attempt: number): void {
    this.#opensSinceRefusal = 0;
    const open = this.#openChannels;
    if (attempt >= 2 && open >= 1 && open < this.#channels.limit) {
      this.#channels.resize(open);
      this.#settings.logger?.debug(
        `[ssh] ${this.target.key} allows ${open} sessions per connection; using that limit`,
      );
    }
  }

  /** After a run of opens without refusal, try one more channel again (up to the configured limit). */
  #onOpened(): void {
    if (++this.#opensSinceRefusal >= 32 && this.#channels.limit < this.#settings.maxChannels) {
      this.#opensSinceRefusal = 0;
      this.#channels.resize(this.#channels.limit + 1);
    }
  }

  /**
   * Opens an exec channel and hands it to `start` synchronously, inside ssh2's
   * callback: a fast command's exit status can arrive in the same packet batch
   * as the exec confirmation, and an 'exit' listener attached a tick later
   * would miss it.
   */
  #openChannel(command: string, start: (channel: ClientChannel) => ChannelRun): Promise<ChannelRun> {
    return new Promise((resolve, reject) => {
      try {
        this.#client.exec(command, (err, channel) => {
          if (err) return reject(err);
          this.#openChannels++;
          resolve(start(channel));
        });
      } catch (err) {
        // ssh2 throws synchronously when the socket is already gone.
        reject(err);
      }
    });
  }

  /** Ends the connection and waits until its socket is closed. Safe in any state. */
  async close(): Promise<void> {
    if (this.#state === 'connecting') {
      // Makes a connect still preparing bail out, and one under way fail now.
      this.#state = 'closed';
      this.#failConnect?.(closedError(this.target.key));
    } else if (this.#state === 'ready') {
      this.#client.end();
    } else {
      this.#state = 'closed';
    }
    await this.#connecting?.catch(() => undefined);
    if (!this.#hadSocket) return;
    // A peer that never answers our disconnect must not keep close() waiting.
    const force = setTimeout(() => this.#client.destroy(), 2000);
    await this.#closed;
    clearTimeout(force);
  }
}

function isChannelRefusal(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('(SSH) Channel open failure');
}

function closedError(target: string): SshError<'TransportClosed'> {
  return new SshError('TransportClosed', `ssh: the transport was closed while connecting to ${target}`, {
    target,
    hint: 'Do not run commands after closing the transport.',
  });
}

function channelsBusy(target: string, limit: number): SshError<'ChannelsBusy'> {
  return new SshError(
    'ChannelsBusy',
    `ssh: no channel to spare on ${target} for a long-lived command (${limit} per connection, one kept for other commands)`,
    {
      target,
      hint: 'Run the commands by plain exec instead; the engine does so by itself for its session shells.',
    },
  );
}

function abortedError(target: string, command: string, cause: unknown): SshError<'CommandAborted'> {
  return new SshError(
    'CommandAborted',
    `ssh: command \`${commandSummary(command)}\` on ${target} was interrupted before it started`,
    {
      target,
      cause,
    },
  );
}

function closedDuringHandshake(target: string): SshError<'SshHandshakeFailed'> {
  return new SshError('SshHandshakeFailed', `ssh: ${target} closed the connection during the handshake`, {
    target,
    hint: 'Check the server log: it may refuse our address (MaxStartups, tcp wrappers) or not speak ssh.',
  });
}

function socketError(target: string, err: ErrorWithLevel): SshError {
  const reason =
    err.code === 'ECONNREFUSED'
      ? 'connection refused (is sshd running on that port?)'
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH'
          ? 'no route to the host'
          : err.code === 'ECONNRESET'
            ? 'the connection was reset'
            : err.message;
  return new SshError('HostUnreachable', `ssh: cannot reach ${target}: ${reason}`, {
    target,
    cause: err,
    hint: 'Check the address and port (host block `port`, or Port in ~/.ssh/config) and that sshd is running there.',
  });
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
