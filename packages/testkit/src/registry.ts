import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from './docker-engine';
import { freePort, type Service, spawnService } from './process';
import { TestkitError } from './testkit-error';

/**
 * A local image registry: Debian's `docker-registry` (the distribution v2
 * server) on a free 127.0.0.1 port, storing into a temp dir. The docker engine
 * talks plain HTTP to registries on 127.0.0.0/8 without any daemon setting, so
 * `docker push 127.0.0.1:<port>/name:tag` and `docker pull` work as they would
 * against a real registry.
 */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: the prefix of image references, e.g. `${host}/busybox:test`. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, for the registry's HTTP API (`/v2/_catalog`, ...). */
  readonly url: string;
  /** Where the registry keeps blobs and manifests; removed by `stop`. */
  readonly dataDir: string;
  /** Stops the registry, waits for it to exit and removes its storage. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a registry and resolves once `GET /v2/` answers 200. */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'stratum-registry-'));
  try {
    const { service, port } = await startOnFreePort(dir);
    let stopping: Promise<void> | undefined;
    return {
      host: `127.0.0.1:${port}`,
      port,
      url: `http://127.0.0.1:${port}`,
      dataDir: join(dir, 'data'),
      stop() {
        stopping ??= service.stop().then(() => rm(dir, { recursive: true, force: true }));
        return stopping;
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startOnFreePort(dir: string): Promise<{ service: Service; port: number }> {
  // The free port may be taken between picking and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(config, registryConfig(join(dir, 'data'), port));
    try {
      const service = await spawnService('docker-registry', ['serve', config], {
        name: 'docker-registry',
        ready: async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200,
      });
      return { service, port };
    } catch (error) {
      const clash =
        error instanceof TestkitError &&
        error.code === 'ServiceExited' &&
        /address already in use/i.test(error.detail);
      if (!clash || attempt >= 3) throw error;
    }
  }
}

function registryConfig(dataDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(dataDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/** What `pushImage` pushed. */
export interface PushedImage {
  /** The reference pushed, e.g. `127.0.0.1:5000/busybox:test`. */
  ref: string;
  /** The manifest digest the registry returned, `sha256:…`. */
  digest: string;
}

/**
 * Tags a local image as `registryRef` and pushes it, returning the manifest
 * digest. The extra local tag is removed again, so a later `docker pull
 * registryRef` really fetches from the registry.
 */
export async function pushImage(localTag: string, registryRef: string): Promise<PushedImage> {
  await docker(['tag', localTag, registryRef]);
  try {
    const pushed = await docker(['push', registryRef]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    if (digest === undefined) {
      throw new TestkitError('CommandFailed', `docker push ${registryRef} printed no digest`, {
        detail: pushed.stdout,
      });
    }
    return { ref: registryRef, digest };
  } finally {
    await docker(['image', 'rm', registryRef], { check: false });
  }
}
