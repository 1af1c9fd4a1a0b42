import { type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP connection to a target opened before ssh2, the identities and
 * known_hosts are loaded, so that the TCP handshake and the server's accept,
 * fork and banner (one round trip plus sshd's start, ~10 ms on loopback and
 * more across a network) overlap that local work instead of following it.
 *
 * Nothing is sent on it until ssh2 takes it over: the server's banner waits
 * in the socket's buffer (no 'data' listener, so the stream stays paused).
 * Until then this object holds the socket's only 'error' listener, so a
 * refusal is kept for the connection to report rather than thrown.
 */
export class EarlySocket {
  readonly #socket: Socket;
  #failure: Error | undefined;
  readonly #onError = (err: Error) => {
    this.#failure ??= err;
  };

  constructor(hostname: string, port: number) {
    // Nagle off from the first byte: every command is a few small packets,
    // and waiting for delayed ACKs made each take ~90 ms on loopback instead of ~4.
    this.#socket = tcpConnect({ host: hostname, port, noDelay: true });
    this.#socket.on('error', this.#onError);
  }

  /** Resolves once the TCP connect succeeded, failed or was closed; for tests, which wait for a state to check. */
  settled(): Promise<void> {
    const socket = this.#socket;
    if (!socket.connecting || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('connect', done).off('close', done);
        resolve();
      };
      // 'close' follows every 'error', so it stands for both.
      socket.once('connect', done).once('close', done);
    });
  }

  /**
   * The socket for ssh2, or why it cannot be used: the error it met (refused,
   * unresolvable, reset), or `'closed'` when the server hung up without one.
   * After a socket is returned its errors reach ssh2's listener alone.
   */
  take(): Socket | Error | 'closed' {
    if (this.#failure) return this.#failure;
    if (this.#socket.destroyed) return 'closed';
    this.#socket.off('error', this.#onError);
    return this.#socket;
  }

  /** Drops a socket no connection will use (the connect was abandoned, or the transport closed). */
  destroy(): void {
    this.#socket.destroy();
  }
}
