/**
 * The refresh floor in a fresh process (floors.mjs, `readFloorFresh`): what a
 * CLI that did nothing but the host work would pay. It connects to the sshd
 * with the ssh2 client provider-ssh loads (ssh-once.mjs), runs the script in
 * FLOOR_SCRIPT over one exec, and prints the number of output lines.
 * FLOOR_SSHD is `{ port, hostKeyPath, clientKeyPath }` as JSON.
 */
import { execOnce } from './ssh-once.mjs';

try {
  const { stdout } = await execOnce(JSON.parse(process.env.FLOOR_SSHD), process.env.FLOOR_SCRIPT);
  process.stdout.write(`${stdout.split('\n').length - 1}\n`);
} catch (error) {
  process.stderr.write(`floor child: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
}
