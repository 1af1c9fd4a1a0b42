import type { Drift, JsonObject, Provider } from '@stratum/core';
import { createTestContext, refreshOne, type TestContext } from '@stratum/core/test';
import { createSshTransport, type SshTransport } from '@stratum/provider-ssh';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';

/**
 * The real path for provider tests: the pooled ssh2 transport to a loopback
 * OpenSSH server (this machine), and core's own planner and refresh.
 */
export interface Loopback {
  readonly sshd: LoopbackSshd;
  readonly transport: SshTransport;
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

export async function startLoopback(): Promise<Loopback> {
  const sshd = await startLoopbackSshd();
  const transport = createSshTransport(sshd.transportOptions);
  const ctx = () => createTestContext(transport);
  return {
    sshd,
    transport,
    host: sshd.addr,
    ctx,
    refresh: (provider, kind, name, desired, state) =>
      refreshOne(provider, { kind, name, desired, state }, ctx()),
    async close() {
      await transport.close();
      await sshd.stop();
    },
  };
}
