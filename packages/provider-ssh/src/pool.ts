import { type ConnectionSettings, SshConnection } from './connection';
import { EarlySocket } from './early-socket';
import { SshError } from './errors';
import type { ResolvedTarget } from './ssh-config';
import { loadSsh2 } from './ssh2-module';

/**
 * One live connection per `user@host:port`, opened on first use and shared by
 * every caller; callers arriving while it connects wait on the same attempt.
 * A connection that closed (dropped by the server, keepalive timeout) is
 * replaced by a fresh one on the next request.
 */
export class ConnectionPool {
  readonly #connections = new Map<string, SshConnection>();
  /** TCP connections opened while ssh2 loads, by target key, until the connection that uses them is made. */
  readonly #early = new Map<string, EarlySocket>();
  readonly #settingsFor: (target: ResolvedTarget) => ConnectionSettings;
  #closed = false;

  constructor(settingsFor: (target: ResolvedTarget) => ConnectionSettings) {
    this.#settingsFor = settingsFor;
  }

  /** Connections currently held (open or opening). */
  get size(): number {
    return this.#connections.size;
  }

  /** The open (or opening) connection for `target`, connecting if needed. */
  async get(target: ResolvedTarget, signal?: AbortSignal): Promise<SshConnection> {
    if (this.#closed) throw closedError();
    // A direct target with no connection yet: its TCP connection starts now,
    // so the server's accept and banner overlap loading ssh2 (the first connect of a run).
    if (
      target.jump === undefined &&
      !this.#connections.get(target.key)?.alive &&
      !this.#early.has(target.key)
    ) {
      this.#early.set(target.key, new EarlySocket(target.hostname, target.port));
    }
    // Awaited before the map is read, so that finding or creating the connection stays one synchronous step.
    const ssh2 = await loadSsh2().catch((err: unknown) => {
      this.#early.get(target.key)?.destroy();
      this.#early.delete(target.key);
      throw err;
    });
    // The bastion first, from this pool: one connection per bastion, shared by every target behind it.
    const via = target.jump === undefined ? undefined : await this.get(target.jump, signal);
    if (this.#closed) throw closedError();
    let conn = this.#connections.get(target.key);
    if (conn && !conn.alive) {
      this.#connections.delete(target.key);
      conn = undefined;
    }
    if (!conn) {
      const early = this.#early.get(target.key);
      this.#early.delete(target.key);
      const created = new SshConnection(target, this.#settingsFor(target), ssh2, via, early);
      conn = created;
      this.#connections.set(target.key, created);
      created.connect().catch(() => {
        // A failed connect is not cached: the next request tries again.
        if (this.#connections.get(target.key) === created) this.#connections.delete(target.key);
      });
    }
    await raceAbort(conn.connect(), signal);
    return conn;
  }

  /** Closes every connection and refuses new requests. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const early of this.#early.values()) early.destroy();
    this.#early.clear();
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

function closedError(): SshError<'TransportClosed'> {
  return new SshError('TransportClosed', 'ssh: the transport is closed', {
    hint: 'Create a new transport; a closed one does not reconnect.',
  });
}

/** Waits for `promise`, or rejects with the signal's reason first; the promise itself carries on for others. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
