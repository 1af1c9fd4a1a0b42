import { randomBytes } from 'node:crypto';
import { docker } from '@stratum/testkit';

/** Names unique to this test run, remembered so `cleanup` can remove what a failed test left behind. */
export class TestNames {
  readonly #prefix = `stratum-t-${randomBytes(3).toString('hex')}`;
  readonly #containers = new Set<string>();
  readonly #networks = new Set<string>();
  readonly #images = new Set<string>();

  container(label: string): string {
    const name = `${this.#prefix}-${label}`;
    this.#containers.add(name);
    return name;
  }

  network(label: string): string {
    const name = `${this.#prefix}-${label}`;
    this.#networks.add(name);
    return name;
  }

  image(label: string): string {
    const tag = `${this.#prefix}-${label}:test`;
    this.#images.add(tag);
    return tag;
  }

  /** Adds a tag made elsewhere (a pulled registry ref) to the cleanup list. */
  track(imageRef: string): void {
    this.#images.add(imageRef);
  }

  /** Removes every container, then network, then image this run named. Never throws. */
  async cleanup(): Promise<void> {
    if (this.#containers.size > 0) await docker(['rm', '-f', ...this.#containers], { check: false });
    if (this.#networks.size > 0) await docker(['network', 'rm', ...this.#networks], { check: false });
    if (this.#images.size > 0) await docker(['rmi', '-f', ...this.#images], { check: false });
  }
}

/** The parts of `docker inspect` output (containers, networks, images) the tests read. */
export interface Inspected {
  Id: string;
  /** For a container: the id of the image it runs. */
  Image: string;
  Path: string;
  Args: string[];
  State: { Running: boolean; Status: string };
  Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string>; Image: string };
  HostConfig: {
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
    Binds: string[];
    RestartPolicy: { Name: string };
    Memory: number;
    MemorySwap: number;
  };
  NetworkSettings: { Networks: Record<string, unknown> };
}

/** `docker inspect` of one object, parsed; undefined when docker does not know it. */
export async function inspect(...args: string[]): Promise<Inspected | undefined> {
  const result = await docker(['inspect', ...args], { check: false });
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as Inspected[])[0];
}
