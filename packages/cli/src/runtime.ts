import { resolve } from 'node:path';
import type { Extracted } from '@stratum/config';
import { type Provider, type ProviderContext, type ProviderLogger, Registry } from '@stratum/core';
import { createDockerProvider } from '@stratum/provider-docker';
import { createGitProvider } from '@stratum/provider-git';
import { createSshProvider, createSshTransport, type SshTransport } from '@stratum/provider-ssh';
import { createSystemProvider } from '@stratum/provider-system';
import type { CliIo } from './io';

/** The four providers stratum ships, in a fresh registry. */
export function builtinRegistry(): Registry {
  const providers: Provider[] = [
    createSshProvider(),
    createSystemProvider(),
    createDockerProvider(),
    createGitProvider(),
  ];
  return new Registry(providers);
}

/** What a command that reaches hosts holds: the pooled transport and the provider context around it. */
export interface HostRuntime {
  transport: SshTransport;
  ctx: ProviderContext;
  close(): Promise<void>;
}

export interface HostRuntimeOptions {
  verbose?: boolean | undefined;
  /** An ssh config file to use instead of `~/.ssh/config`. */
  sshConfig?: string | undefined;
}

export function openHostRuntime(
  extracted: Extracted,
  io: CliIo,
  options: HostRuntimeOptions = {},
): HostRuntime {
  const hosts = extracted.hosts.flatMap((h) =>
    typeof h.attrs.addr === 'string'
      ? [{ addr: h.attrs.addr, ...(typeof h.attrs.port === 'number' ? { port: h.attrs.port } : {}) }]
      : [],
  );
  const log: ProviderLogger = {
    trace: (line) => io.err(line),
    warn: (line) => io.err(line),
    debug: (line) => {
      if (options.verbose) io.err(line);
    },
  };
  const sshConfigPath = options.sshConfig ?? io.env.STRATUM_SSH_CONFIG;
  const transport = createSshTransport({
    hosts,
    ...(sshConfigPath ? { sshConfigPath: resolve(io.cwd, sshConfigPath) } : {}),
    logger: { debug: log.debug, warn: log.warn },
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    transport,
    ctx: { transport, log, signal: abort.signal },
    async close() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await transport.close();
    },
  };
}
