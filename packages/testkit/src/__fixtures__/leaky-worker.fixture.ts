import { appendFile } from 'node:fs/promises';
import { it } from 'vitest';
import { startDroplet } from '../droplet';
import { pollUntil, run } from '../process';

/**
 * Not a test of its own: it starts children and never stops them, then lets
 * vitest end its worker. The real tests run it in a child vitest and check that
 * nothing it started survives. Writes one line per child to $LEAK_FILE.
 */
it('leaves children behind', async () => {
  const file = process.env.LEAK_FILE!;
  // A run() child gets no parent-death signal: only the end-of-process hook can stop it.
  void run('sh', ['-c', `echo "pid $$" >> ${file}; exec sleep 120`], { timeoutMs: 300_000 }).catch(() => {});
  await pollUntil(async () => ((await run('grep', ['-q', '^pid', file])).code === 0 ? true : undefined), {
    timeoutMs: 10_000,
  });
  if (process.env.LEAK_DROPLET === '1') {
    const droplet = await startDroplet();
    await appendFile(file, `droplet ${droplet.name}\n`);
  }
});
