/**
 * Child-process half of the "close() leaves no handles" tests: runs a burst of
 * commands on each target in $STRATUM_CLOSE_FIXTURE (JSON `{ options, targets }`),
 * closes the transport, and then does nothing. If anything the transport made
 * (a socket, a timer, a channel of a bastion) outlived close(), the process
 * stays alive and the parent sees it.
 */
import { createSshTransport, type SshTransportOptions } from '../transport';

const { options, targets } = JSON.parse(process.env.STRATUM_CLOSE_FIXTURE ?? '{}') as {
  options: SshTransportOptions;
  targets: string[];
};
const transport = createSshTransport(options);
for (const target of targets) {
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => transport.exec(target, `echo ${i}`, { idempotent: true })),
  );
  const failed = results.filter((r, i) => r.exitCode !== 0 || r.stdout !== `${i}\n`);
  if (failed.length > 0) throw new Error(`${target}: ${JSON.stringify(failed[0])}`);
}
await transport.close();
process.stdout.write(`closed; still active: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
