import { resolve } from 'node:path';
import type { Extracted } from '@stratum/config';
import { type Provider, Registry, type Transport } from '@stratum/core';
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

/** What a command that reaches hosts holds: the pooled transport and the run's abort signal. */
export interface HostRuntime {
  transport: SshTransport;
  /**
   * Aborted on SIGINT / SIGTERM and when stdout closes (`stratum apply -y | head -1`):
   * no further step starts, running commands stop, and the engine releases the lock.
   */
  signal: AbortSignal;
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
      ? [
          {
            addr: h.attrs.addr,
            ...(typeof h.attrs.port === 'number' ? { port: h.attrs.port } : {}),
            ...(h.attrs.sudo === true ? { sudo: true } : {}),
            ...(typeof h.attrs.sudo_user === 'string' ? { sudoUser: h.attrs.sudo_user } : {}),
            ...jumpOf(h.attrs.jump),
          },
        ]
      : [],
  );
  const sshConfigPath = options.sshConfig ?? io.env.STRATUM_SSH_CONFIG;
  const transport = createSshTransport({
    hosts,
    ...(sshConfigPath ? { sshConfigPath: resolve(io.cwd, sshConfigPath) } : {}),
    logger: {
      debug: (line) => {
        if (options.verbose) io.err(line);
      },
      warn: (line) => io.err(line),
    },
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  const onStdoutClosed = () => abort.abort(new Error('stdout was closed'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (io.stdoutClosed.aborted) onStdoutClosed();
  else io.stdoutClosed.addEventListener('abort', onStdoutClosed, { once: true });
  return {
    transport,
    signal: abort.signal,
    async close() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      io.stdoutClosed.removeEventListener('abort', onStdoutClosed);
      await transport.close();
    },
  };
}

/**
 * The transport of a command that must not reach any host (`plan` without
 * `--refresh`): reaching for one is a bug, said as such.
 */
export const offlineTransport: Transport = {
  exec: (host) =>
    Promise.reject(new Error(`internal: this command does not contact hosts (asked for ${host})`)),
};

/** A host block's `jump` (validated by the config loader) as the transport's list of hops. */
function jumpOf(jump: unknown): { jump?: string[] } {
  if (typeof jump === 'string') return { jump: [jump] };
  if (Array.isArray(jump) && jump.every((hop) => typeof hop === 'string')) return { jump };
  return {};
}
