import type { Extracted } from '@stratum/config';
import type { CliIo } from './io';
import { type Loaded, type LoadHooks, loadConfig, type PlanFlags } from './pipeline';
import { type HostRuntime, type HostRuntimeOptions, openHostRuntime } from './runtime';

/**
 * Loads a config for a command that will reach its hosts, opening the host
 * runtime as soon as the config names them and starting their connections
 * there. An ssh handshake is mostly waiting on the host (tens of ms on a LAN,
 * round trips on a WAN); started here it overlaps with what the load still
 * does (the kinds' `prepare`, which hashes local trees, and validation) and
 * with reading state and planning, instead of following them.
 *
 * A connection started early is the one the first command on that host uses:
 * one that fails is reported by that command, as it would have been without
 * this (the transport's `prepare`). When the load fails the runtime is closed
 * before the error goes on.
 */
export async function loadConfigConnected(
  flags: PlanFlags,
  io: CliIo,
  options: HostRuntimeOptions,
  /** The io the runtime reports through (trace lines, host-key notices); `io` unless given. */
  runtimeIo: CliIo = io,
): Promise<{ loaded: Loaded; runtime: HostRuntime }> {
  let runtime: HostRuntime | undefined;
  const hooks: LoadHooks = {
    onExtracted: (extracted) => {
      runtime = openHostRuntime(extracted, runtimeIo, options);
      for (const host of hostsInUse(extracted)) runtime.transport.prepareKnown(host);
    },
  };
  try {
    const loaded = await loadConfig(flags, io, hooks);
    // onExtracted runs on every load that returns; the fallback keeps the types honest.
    runtime ??= openHostRuntime(loaded.extracted, runtimeIo, options);
    return { loaded, runtime };
  } catch (error) {
    await runtime?.close();
    throw error;
  }
}

/**
 * The addresses of the host blocks some resource names: a resource takes its
 * host as an attribute holding a host's address (`host = host.web.addr`), so a
 * host block whose `addr` is the value of no resource attribute is not
 * connected to ahead of need. Read from the values, not from attribute names:
 * which attribute names the host is the kind's business.
 */
export function hostsInUse(extracted: Extracted): string[] {
  const declared = new Set<string>();
  for (const host of extracted.hosts) if (typeof host.attrs.addr === 'string') declared.add(host.attrs.addr);
  const used = new Set<string>();
  for (const resource of extracted.resources) {
    for (const value of Object.values(resource.attrs)) {
      if (typeof value === 'string' && declared.has(value)) used.add(value);
    }
  }
  return [...used];
}
