import { type Drift, type JsonObject, type Provider, shellQuote, type Transport } from '@stratum/core';
import { createTestContext, refreshOne, type TestContext } from '@stratum/core/test';
import { createSshTransport } from '@stratum/provider-ssh';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';

/**
 * The real path for provider tests: the pooled ssh2 transport to a loopback
 * OpenSSH server (this machine), and core's own planner and refresh.
 */
export interface Loopback {
  readonly sshd: LoopbackSshd;
  readonly transport: Transport;
  /** `root@127.0.0.1`: the `host` attribute of test resources. */
  readonly host: string;
  /** A fresh provider context on the transport. */
  ctx(): TestContext;
  /**
   * Plans `desired` against a state holding `stateAttrs`, refreshes the plan
   * through `provider`'s probe over ssh and returns the step's drift.
   */
  refresh(
    provider: Provider,
    kind: string,
    name: string,
    desired: JsonObject,
    stateAttrs: JsonObject,
  ): Promise<Drift>;
  close(): Promise<void>;
}

/**
 * `transport` with `dir` put first on the remote PATH of every command. For the
 * BuildKit tests: this machine has a docker CLI 28 in /usr/local/bin (not from
 * Debian) ahead of Debian's docker.io CLI in /usr/bin. CLI 23+ hands
 * `DOCKER_BUILDKIT=1 docker build` to the buildx plugin, which Debian bookworm
 * does not package; Debian's own 20.10 CLI drives the engine's built-in
 * BuildKit. A Debian host with docker.io resolves `docker` to /usr/bin/docker,
 * and this makes the loopback host do the same. BuildKit itself is real: the
 * tests build a Dockerfile the classic builder rejects.
 */
function withPathFirst(inner: Transport, dir: string): Transport {
  const prefix = `PATH=${shellQuote(dir)}:"$PATH"; export PATH; `;
  return { exec: (host, command, options) => inner.exec(host, prefix + command, options) };
}

export async function startLoopback(options: { pathFirst?: string } = {}): Promise<Loopback> {
  const sshd = await startLoopbackSshd();
  const ssh = createSshTransport(sshd.transportOptions);
  const transport = options.pathFirst === undefined ? ssh : withPathFirst(ssh, options.pathFirst);
  const ctx = () => createTestContext(transport);
  return {
    sshd,
    transport,
    host: sshd.addr,
    ctx,
    refresh: (provider, kind, name, desired, state) =>
      refreshOne(provider, { kind, name, desired, state }, ctx()),
    async close() {
      await ssh.close();
      await sshd.stop();
    },
  };
}
