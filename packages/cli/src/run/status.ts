import { CliError } from '../errors';
import type { CliIo } from '../io';
import { loadConfig, type PlanFlags } from '../pipeline';
import { openHostRuntime } from '../runtime';

/**
 * `stratum status`: per host, one composite probe (one round trip) with
 * sentinel headers, parsed into uptime, load, memory, swap, root disk and a
 * `docker stats --no-stream` table. Reads neither state nor config resources;
 * a failing host is reported and the others still run, and the command then
 * fails (exit 1) naming every host it could not read.
 */
export const STATUS_PROBE = [
  'echo ===UPTIME===; uptime',
  'echo ===MEM===; free -h 2>/dev/null',
  'echo ===DISK===; df -h / 2>/dev/null | tail -n 1',
  'echo ===STATS===',
  "if command -v docker >/dev/null 2>&1; then docker stats --no-stream --format 'table {{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}' 2>/dev/null; fi",
].join('; ');

export interface StatusFlags extends PlanFlags {
  host?: string | undefined;
}

export async function runStatus(flags: StatusFlags, io: CliIo): Promise<number> {
  const { extracted } = await loadConfig({ ...flags, allowUnresolvedSecrets: true }, io);
  let hosts = extracted.hosts;
  if (flags.host !== undefined) {
    hosts = hosts.filter((h) => h.name === flags.host || h.attrs.addr === flags.host);
    if (hosts.length === 0) {
      throw new CliError('NoHostMatched', `no host matched filter \`${flags.host}\``, {
        hint: `known hosts: ${extracted.hosts.map((h) => h.name).join(', ') || 'none'} (match a host block's name or addr)`,
      });
    }
  }
  const runtime = openHostRuntime(extracted, io, { verbose: flags.verbose, sshConfig: flags.sshConfig });
  const failed: string[] = [];
  let asked = 0;
  try {
    for (const host of hosts) {
      const addr = host.attrs.addr;
      if (typeof addr !== 'string') {
        io.err(`[status] skipping host \`${host.name}\`: it has no addr`);
        continue;
      }
      asked++;
      try {
        const result = await runtime.transport.exec(addr, STATUS_PROBE, {
          idempotent: true,
          timeoutMs: 30_000,
        });
        for (const line of renderStatus(addr, result.stdout)) io.out(line);
      } catch (error) {
        io.err(`[status] ${addr}: failed: ${(error as Error).message}`);
        failed.push(addr);
      }
    }
  } finally {
    await runtime.close();
  }
  if (failed.length > 0) {
    throw new CliError(
      'HostUnreachable',
      `status could not read ${failed.length} of ${asked} host${asked === 1 ? '' : 's'}: ${failed.join(', ')}`,
      { hint: 'the [status] lines above say why; check that ssh to each of them works, then re-run' },
    );
  }
  return 0;
}

/** Splits the probe output by its `===NAME===` headers. */
export function probeSections(output: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const header = /^===([A-Z]+)===$/.exec(line.trim());
    if (header) {
      current = [];
      sections[header[1]!] = current;
    } else if (current && line.trim() !== '') {
      current.push(line.trimEnd());
    }
  }
  return sections;
}

export function renderStatus(addr: string, output: string): string[] {
  const s = probeSections(output);
  const uptime = s.UPTIME?.[0]?.trim() ?? '';
  const [up, load] = uptime.split(/,\s+load averages?:\s*/);
  const mem = s.MEM ?? [];
  const lines = [
    `=== ${addr} ===`,
    `up:   ${up ?? ''}`,
    `load: ${load ?? ''}`,
    `mem:  ${(mem.find((l) => l.startsWith('Mem:')) ?? '').replace(/\s+/g, ' ')}`,
    `swap: ${(mem.find((l) => l.startsWith('Swap:')) ?? '').replace(/\s+/g, ' ')}`,
    `disk: ${(s.DISK?.[0] ?? '').replace(/\s+/g, ' ')}`,
  ];
  const stats = s.STATS ?? [];
  if (stats.length <= 1) lines.push('(no docker stats available)');
  else lines.push(...stats.map((l) => l.replace(/^NAME\b/, 'CONTAINER')));
  lines.push('');
  return lines;
}
