import { describe, expect, it } from 'vitest';
import { strat } from '../__tests__/config-error';
import { loadStr } from '../load';
import { SSHD_OOM_CONTENT, SSHD_OOM_PATH, SSHD_RELOAD_COMMAND, SWAP_SCRIPT } from './tuning-scripts';

describe('implicit per-host resources', () => {
  it('injects swap, sshd OOM drop-in and sshd reload per host, in host order, before user resources', () => {
    const out = loadStr(
      strat(
        'resource "ssh_exec" "mine" { command = "true" }',
        'host "b" {',
        '  addr = "root@192.0.2.11"',
        '}',
        'host "a" { addr = "root@192.0.2.10" }',
      ),
      { file: 'hosts.strat' },
    );
    expect(out.resources.map((r) => `${r.addr.kind}.${r.addr.name}`)).toEqual([
      'ssh_exec._stratum_swap_b',
      'system_file._stratum_sshd_oom_b',
      'ssh_exec._stratum_sshd_reload_b',
      'ssh_exec._stratum_swap_a',
      'system_file._stratum_sshd_oom_a',
      'ssh_exec._stratum_sshd_reload_a',
      'ssh_exec.mine',
    ]);
    const source = {
      block: { file: 'hosts.strat', line: 2, column: 1 },
      attrs: { host: { file: 'hosts.strat', line: 3, column: 3 } },
    };
    expect(out.resources.slice(0, 3)).toEqual([
      {
        addr: { kind: 'ssh_exec', name: '_stratum_swap_b' },
        provider: 'ssh',
        attrs: { host: 'root@192.0.2.11', command: SWAP_SCRIPT },
        source,
      },
      {
        addr: { kind: 'system_file', name: '_stratum_sshd_oom_b' },
        provider: 'system',
        attrs: {
          host: 'root@192.0.2.11',
          path: '/etc/systemd/system/ssh.service.d/oom.conf',
          content: '[Service]\nOOMScoreAdjust=-1000\n',
          mode: '0644',
          owner: 'root',
          group: 'root',
        },
        source,
      },
      {
        addr: { kind: 'ssh_exec', name: '_stratum_sshd_reload_b' },
        provider: 'ssh',
        attrs: { host: 'root@192.0.2.11', command: 'systemctl daemon-reload && systemctl restart ssh' },
        source,
      },
    ]);
    expect(SSHD_OOM_PATH).toBe('/etc/systemd/system/ssh.service.d/oom.conf');
    expect(SSHD_OOM_CONTENT).toBe('[Service]\nOOMScoreAdjust=-1000\n');
    expect(SSHD_RELOAD_COMMAND).toBe('systemctl daemon-reload && systemctl restart ssh');
  });

  it('gives each resource its own objects (changing one does not change another)', () => {
    const out = loadStr('host "a" { addr = "root@a" }');
    const [swap, oom] = out.resources;
    (swap?.source?.block as { line: number }).line = 99;
    expect(oom?.source?.block.line).toBe(1);
  });

  it('skips hosts without a string addr', () => {
    const out = loadStr(
      strat('host "none" { port = 22 }', 'host "num" { addr = 3 }', 'host "nested" { ssh = { addr = "x" } }'),
    );
    expect(out.resources).toEqual([]);
  });

  it('skips hosts with tuning = false, keeps those with tuning = true', () => {
    const out = loadStr(
      strat(
        'host "off" {',
        '  addr = "root@off"',
        '  tuning = false',
        '}',
        'host "on" {',
        '  addr = "root@on"',
        '  tuning = true',
        '}',
      ),
    );
    expect(out.resources.map((r) => r.addr.name)).toEqual([
      '_stratum_swap_on',
      '_stratum_sshd_oom_on',
      '_stratum_sshd_reload_on',
    ]);
  });

  it('the swap script creates 4 GiB at /swapfile and skips containers', () => {
    expect(SWAP_SCRIPT).toContain('fallocate -l 4G');
    expect(SWAP_SCRIPT).toContain('bs=1M count=4096');
    expect(SWAP_SCRIPT).toContain('swapfile=/swapfile');
    expect(SWAP_SCRIPT).toContain('echo "$swapfile none swap sw 0 0" >> /etc/fstab');
    expect(SWAP_SCRIPT).toContain('echo "swap: skipped, running in a container ($container)"');
  });
});
