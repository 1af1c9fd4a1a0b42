/**
 * The refresh floor in a fresh process (floors.mjs, `readFloorFresh`): what a
 * CLI that did nothing but the host work would pay. It loads the ssh2 client
 * (the file provider-ssh loads), connects to the sshd, runs the script given in
 * FLOOR_SCRIPT over one exec, and prints the number of output lines. Settings
 * come in the environment: FLOOR_PORT, FLOOR_KEY (client key path),
 * FLOOR_HOST_KEY (the server's public key, base64).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';

const providerSsh = new URL('../../../provider-ssh/package.json', import.meta.url);
const Client = createRequire(providerSsh)('ssh2/lib/client.js');
const env = process.env;
const hostKey = Buffer.from(env.FLOOR_HOST_KEY, 'base64');
const client = new Client();
client.once('error', (error) => {
  process.stderr.write(`floor child: ${error.message}\n`);
  process.exit(1);
});
client.once('ready', () => {
  client.exec(env.FLOOR_SCRIPT, (error, channel) => {
    if (error) throw error;
    const out = [];
    channel.on('data', (chunk) => out.push(chunk));
    channel.stderr.on('data', () => {});
    channel.once('close', (code) => {
      client.end();
      process.stdout.write(`${Buffer.concat(out).toString('utf8').split('\n').length - 1}\n`);
      process.exitCode = code === 0 ? 0 : 1;
    });
    channel.end();
  });
});
client.connect({
  sock: tcpConnect({ host: '127.0.0.1', port: Number(env.FLOOR_PORT), noDelay: true }),
  username: 'root',
  privateKey: readFileSync(env.FLOOR_KEY),
  hostVerifier: (key) => key.equals(hostKey),
  readyTimeout: 20_000,
});
