import { describe, expect, it } from 'vitest';
import { renderStatus } from './status';

const OUTPUT = `===UPTIME===
 17:48:12 up 3 days,  4:21,  1 user,  load average: 0.42, 0.31, 0.19
===MEM===
               total        used        free      shared  buff/cache   available
Mem:           1.9Gi       1.3Gi        85Mi        19Mi       559Mi       625Mi
Swap:          4.0Gi       500Ki       4.0Gi
===DISK===
/dev/vda1        79G   18G   61G  23% /
===STATS===
NAME      CPU %     MEM USAGE / LIMIT     MEM %     NET I/O         BLOCK I/O
traefik   0.18%     34.2MiB / 1.9GiB      1.78%     1.2MB / 4.5MB   0B / 12.3kB
`;

describe('renderStatus', () => {
  it('lays the probe out per host', () => {
    expect(renderStatus('root@192.0.2.10', OUTPUT)).toEqual([
      '=== root@192.0.2.10 ===',
      'up:   17:48:12 up 3 days,  4:21,  1 user',
      'load: 0.42, 0.31, 0.19',
      'mem:  Mem: 1.9Gi 1.3Gi 85Mi 19Mi 559Mi 625Mi',
      'swap: Swap: 4.0Gi 500Ki 4.0Gi',
      'disk: /dev/vda1 79G 18G 61G 23% /',
      'CONTAINER      CPU %     MEM USAGE / LIMIT     MEM %     NET I/O         BLOCK I/O',
      'traefik   0.18%     34.2MiB / 1.9GiB      1.78%     1.2MB / 4.5MB   0B / 12.3kB',
      '',
    ]);
  });

  it('says so when docker has nothing to show', () => {
    const lines = renderStatus(
      'root@h',
      '===UPTIME===\n 10:00 up 1 min, load average: 0, 0, 0\n===STATS===\n',
    );
    expect(lines).toContain('(no docker stats available)');
  });
});
