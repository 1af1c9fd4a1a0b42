import { startLoopbackSshd } from '@stratum/testkit';
import { it } from 'vitest';
import { createSshTransport } from './transport';

it('debug', { timeout: 120000 }, async () => {
  const sshd = await startLoopbackSshd({ extraConfig: ['LogLevel DEBUG2'] });
  const t = createSshTransport({ ...sshd.transportOptions, logger: { debug: console.log } });
  await t.exec(sshd.addr, 'sleep 31.5\necho never', { timeoutMs: 300 }).catch((e) => console.log(e.message));
  console.log((await t.exec(sshd.addr, 'ps -ef | grep [s]leep')).stdout);
  console.log((await sshd.log()).split('\n').filter((l) => /signal|kill|channel 0|session/i.test(l)).join('\n'));
  await t.close(); await sshd.stop();
});
