import { randomBytes } from 'node:crypto';
import { docker } from './docker-engine';
import { type Droplet, type DropletOptions, LABEL, OWNER_LABEL, startDroplet } from './droplet';

/**
 * A droplet reachable only through a bastion, as production networks put
 * hosts: an internal docker network of its own, the target droplet on it alone
 * (no published port, ssh reset from anywhere but the bastion), and a bastion
 * droplet on that network and on the default bridge with its ssh published on
 * loopback. A test reaches the target by a jump through the bastion or not at all.
 */
export interface BastionedDroplet {
  /** The internal docker network the two share. */
  readonly network: string;
  /** An ordinary droplet (ssh on a 127.0.0.1 port), also attached to `network`. */
  readonly bastion: Droplet;
  /** The droplet behind it: `host` is its address on `network`, port 22, `transportOptions` jump through `bastion`. */
  readonly target: Droplet;
  /** Removes both containers, then the network. Idempotent. */
  stop(): Promise<void>;
}

export interface BastionedDropletOptions {
  /** Options for the target droplet (no `publish`: it has no published port). */
  target?: Omit<DropletOptions, 'behind' | 'publish'>;
  /** Options for the bastion droplet. */
  bastion?: Omit<DropletOptions, 'behind'>;
}

/** Starts a bastion and a droplet behind it (see {@link BastionedDroplet}). Always `stop()` it. */
export async function startDropletBehindBastion(
  options: BastionedDropletOptions = {},
): Promise<BastionedDroplet> {
  const network = `stratum-jump-${randomBytes(4).toString('hex')}`;
  await docker([
    'network',
    'create',
    '--internal',
    `--label=${LABEL}=network`,
    `--label=${OWNER_LABEL}=${process.pid}`,
    network,
  ]);
  // Both boot at once: the target waits for the bastion only to set up its ssh.
  const bastionReady = startDroplet(options.bastion).then(async (bastion) => {
    try {
      await docker(['network', 'connect', network, bastion.name]);
      return bastion;
    } catch (error) {
      await bastion.stop();
      throw error;
    }
  });
  const targetReady = startDroplet({ ...options.target, behind: { bastion: bastionReady, network } });
  const [bastion, target] = await Promise.allSettled([bastionReady, targetReady]);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(
        [bastion, target].map((d) => (d.status === 'fulfilled' ? d.value.stop() : undefined)),
      );
      await docker(['network', 'rm', network], { check: false });
    })();
    return stopped;
  };
  if (bastion.status === 'rejected') {
    await stop();
    throw bastion.reason;
  }
  if (target.status === 'rejected') {
    await stop();
    throw target.reason;
  }
  return { network, bastion: bastion.value, target: target.value, stop };
}
