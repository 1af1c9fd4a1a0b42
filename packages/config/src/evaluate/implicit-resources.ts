import { type DesiredResource, IMPLICIT_PREFIX, type ResourceSource } from '@stratum/core';
import { toLocation } from './context';
import type { EvaluatedHost } from './hosts';
import { getOwn } from './json';
import { SSHD_OOM_CONTENT, SSHD_OOM_PATH, SSHD_RELOAD_COMMAND, SWAP_SCRIPT } from './tuning-scripts';

/**
 * The three `_stratum_*` resources every host gets, in host order: swap,
 * the sshd OOM drop-in, and the reload that applies it. Hosts without a
 * string `addr` (nothing to connect to) and hosts with `tuning = false` get none.
 */
export function implicitResources(hosts: readonly EvaluatedHost[]): DesiredResource[] {
  const resources: DesiredResource[] = [];
  for (const { decl, spans } of hosts) {
    const addr = getOwn(decl.attrs, 'addr');
    if (typeof addr !== 'string' || getOwn(decl.attrs, 'tuning') === false) continue;
    const addrSpan = spans.get('addr');
    const source = (): ResourceSource => ({
      block: { ...decl.location },
      attrs: addrSpan === undefined ? {} : { host: toLocation(addrSpan) },
    });
    resources.push(
      {
        addr: { kind: 'ssh_exec', name: `${IMPLICIT_PREFIX}swap_${decl.name}` },
        provider: 'ssh',
        attrs: { host: addr, command: SWAP_SCRIPT },
        source: source(),
      },
      {
        addr: { kind: 'system_file', name: `${IMPLICIT_PREFIX}sshd_oom_${decl.name}` },
        provider: 'system',
        attrs: {
          host: addr,
          path: SSHD_OOM_PATH,
          content: SSHD_OOM_CONTENT,
          mode: '0644',
          owner: 'root',
          group: 'root',
        },
        source: source(),
      },
      {
        addr: { kind: 'ssh_exec', name: `${IMPLICIT_PREFIX}sshd_reload_${decl.name}` },
        provider: 'ssh',
        attrs: { host: addr, command: SSHD_RELOAD_COMMAND },
        source: source(),
      },
    );
  }
  return resources;
}
