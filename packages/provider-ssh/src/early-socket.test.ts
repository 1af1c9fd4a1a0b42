import { createServer, type Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EarlySocket } from './early-socket';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server on a free loopback port; `onConnection` gets each accepted socket. */
async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('EarlySocket', () => {
  it('keeps a refusal for the connection to report instead of throwing it', async () => {
    const early = new EarlySocket('127.0.0.1', await closedPort());
    await early.settled();
    const taken = early.take();
    expect(taken).toBeInstanceOf(Error);
    expect((taken as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('keeps a reset that arrives before ssh2 took the socket', async () => {
    const port = await listen((socket) => socket.resetAndDestroy());
    const early = new EarlySocket('127.0.0.1', port);
    await early.settled();
    // The reset follows the accept; 'close' comes after the error.
    await new Promise((r) => setTimeout(r, 50));
    const taken = early.take();
    expect(taken).toBeInstanceOf(Error);
    expect((taken as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it("never hands over a socket it destroyed: take() then reports 'closed'", async () => {
    const port = await listen((socket) => socket.resume());
    const early = new EarlySocket('127.0.0.1', port);
    await early.settled();
    early.destroy();
    expect(early.take()).toBe('closed');
  });

  it('hands over a connected socket with the banner the server sent still unread', async () => {
    const port = await listen((socket) => socket.end('SSH-2.0-test\r\n'));
    const early = new EarlySocket('127.0.0.1', port);
    await early.settled();
    // The server's banner and FIN are sent before anyone reads.
    await new Promise((r) => setTimeout(r, 50));
    const taken = early.take();
    expect(taken).toBeInstanceOf(Socket);
    const socket = taken as Socket;
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => socket.once('end', r));
    expect(Buffer.concat(chunks).toString()).toBe('SSH-2.0-test\r\n');
    expect(socket.listenerCount('error')).toBe(0);
    socket.destroy();
  });

  it('destroy() ends the connection on the server side too', async () => {
    let closedOnServer: Promise<unknown> | undefined;
    let accept: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => {
      accept = resolve;
    });
    const port = await listen((socket) => {
      closedOnServer = new Promise((r) => socket.once('close', r));
      socket.resume();
      accept();
    });
    const early = new EarlySocket('127.0.0.1', port);
    await accepted;
    early.destroy();
    // Resolves once the server saw the connection go; a socket left open would time the test out.
    await closedOnServer;
  });
});
