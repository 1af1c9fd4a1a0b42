import { loadFile } from '@stratum/config';
import { createEngine, type EngineApplyResult, fileStateBackend, Registry, redactPlan } from '@stratum/core';
import { createSshProvider, createSshTransport, type SshTransportOptions } from '@stratum/provider-ssh';
import { createSystemProvider } from '@stratum/provider-system';

/** Plans and applies one `.strat` file against its hosts, as `stratum apply -y` would. */
export async function deploy(
  config: string,
  state: string,
  ssh: SshTransportOptions = {},
): Promise<EngineApplyResult> {
  const loaded = loadFile(config);
  const hosts = loaded.hosts.map((h) => ({ addr: String(h.attrs.addr), port: Number(h.attrs.port ?? 22) }));
  const transport = createSshTransport({ ...ssh, hosts });
  const engine = createEngine({
    registry: new Registry([createSshProvider(), createSystemProvider()]),
    transport,
    state: fileStateBackend(state),
    redaction: loaded.redaction,
    providers: loaded.providers,
    onEvent: (event) => {
      if (event.type === 'log') console.log(event.line); // already scrubbed of secrets
    },
  });
  try {
    const { resources, diagnostics } = await engine.prepare(loaded.resources);
    if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const result = await engine.apply(resources, {
      onPlan: (plan) => console.log(redactPlan(plan).summary()),
    });
    if (result.outcome?.failure) throw result.outcome.failure.error;
    return result;
  } finally {
    await transport.close();
  }
}
