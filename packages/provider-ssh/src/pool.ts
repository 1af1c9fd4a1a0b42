import { type ConnectionSettings, SshConnection } from './connection';
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
    // Awaited before the map is read, so that finding or creating the connection stays one synchronous step.
    const ssh2 = await loadSsh2();
    // The bastion first, from this pool: one connection per bastion, shared by every target behind it.
    const via = target.jump === undefined ? undefined : await this.get(target.jump, signal);
    if (this.#closed) throw closedError();
    let conn = this.#connections.get(target.key);
    if (conn && !conn.alive) {
      this.#connections.delete(target.key);
      conn = undefined;
    }
    if (!conn) {
      const created = new SshConnection(target, this.#settingsFor(target), ssh2, via);
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
