/**
 * One connection, one exec, closed: the floors' way to the sshd (floors.mjs in
 * the bench's process, floor-child.mjs in a fresh one). It uses the ssh2
 * client file provider-ssh loads, from provider-ssh's own copy, so the floors
 * move with it. `sshd` is `{ port, hostKeyPath, clientKeyPath }`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';

const providerSsh = new URL('../../../provider-ssh/package.json', import.meta.url);
const Client = createRequire(providerSsh)('ssh2/lib/client.js');

/** Connects, runs `script` with `stdin`, closes; resolves to `{ ms, stdout }`, rejects on a non-zero exit. */
export function execOnce(sshd, script, stdin) {
  const hostKey = Buffer.from(
    readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/)[1],
    'base64',
  );
  const privateKey = readFileSync(sshd.clientKeyPath);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const client = new Client();
    const fail = (error) => {
      client.end();
      reject(error);
    };
    client.once('error', fail);
    client.once('ready', () => {
      client.exec(script, (error, channel) => {
        if (error) return fail(error);
        const out = [];
        const err = [];
        channel.on('data', (chunk) => out.push(chunk));
        channel.stderr.on('data', (chunk) => err.push(chunk));
        channel.once('close', (code) => {
          client.end();
          const ms = performance.now() - started;
          const stdout = Buffer.concat(out).toString('utf8');
          if (code === 0) return resolve({ ms, stdout });
          reject(
            new Error(`floor script exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`),
          );
        });
        channel.end(stdin);
      });
    });
    client.connect({
      // Nagle off, as the provider's transport has it: with it on, every
      // userauth round trip waits out a delayed ACK (~40 ms on loopback),
      // and the floor would be ~200 ms slower than the work it stands for.
      sock: tcpConnect({ host: '127.0.0.1', port: sshd.port, noDelay: true }),
      username: 'root',
      privateKey,
      // What stratum does with known_hosts: the key must be the recorded one.
      hostVerifier: (key) => key.equals(hostKey),
      readyTimeout: 20_000,
    });
  });
}
