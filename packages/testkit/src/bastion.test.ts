import { describe, expect, it } from 'vitest';
import { startDropletBehindBastion } from './bastion';
import { docker } from './docker-engine';
import { dropletTier } from './droplet';
import { run, tcpAccepts } from './process';

const tier = await dropletTier();

describe.skipIf(!tier.run)('a droplet behind a bastion', () => {
  it('is reached through the bastion only, and stop() removes both and the network', {
    timeout: 240_000,
  }, async () => {
    const pair = await startDropletBehindBastion();
    try {
      const { bastion, target } = pair;
      console.info(`[testkit] bastion ready in ${bastion.readyMs} ms, target in ${target.readyMs} ms`);
      expect(target.host).toBe(target.ip);
      expect(target.addr).toBe(`root@${target.ip}`);
      expect(target.ports).toEqual({});
      // Through the bastion: the target answers as itself, and sees the bastion as the client.
      const seen = await target.ssh('hostname; echo "$SSH_CONNECTION"');
      expect(seen.code, seen.stderr).toBe(0);
      const bastionIp = (
        await docker([
          'inspect',
          '--format',
          `{{(index .NetworkSettings.Networks "${pair.network}").IPAddress}}`,
          bastion.name,
        ])
      ).stdout.trim();
      expect(seen.stdout).toBe(`${target.name}\n${bastionIp} ${seen.stdout.split(' ')[1]} ${target.ip} 22\n`);
      // The plain OpenSSH client with the generated config (ProxyJump to the bastion's alias).
      const viaConfig = await run('ssh', [
        '-F',
        target.sshConfigPath,
        '-o',
        'BatchMode=yes',
        target.name,
        'hostname',
      ]);
      expect(viaConfig.stdout, viaConfig.stderr).toBe(`${target.name}\n`);
      // This machine cannot open a connection to it; the bastion can.
      expect(await tcpAccepts(22, target.ip)).toBe(false);
      expect((await bastion.exec(`bash -c 'echo > /dev/tcp/${target.ip}/22'`)).code).toBe(0);
      expect(target.transportOptions.hosts).toEqual([
        { addr: target.addr, port: 22, jump: [`root@127.0.0.1:${bastion.sshPort}`] },
      ]);
    } finally {
      await pair.stop();
    }
    const left = await docker([
      'ps',
      '--all',
      '--filter',
      `name=${pair.target.name}`,
      '--format',
      '{{.Names}}',
    ]);
    expect(left.stdout).toBe('');
    expect((await docker(['network', 'inspect', pair.network], { check: false })).code).not.toBe(0);
  });
});
