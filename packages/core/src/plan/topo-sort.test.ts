import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import type { DesiredResource } from '../types';
import type { PlanError } from './errors';
import { topoSortDesired } from './topo-sort';

function res(key: string, dependsOn?: string[]): DesiredResource {
  const dot = key.indexOf('.');
  const [kind, name] = [key.slice(0, dot), key.slice(dot + 1)];
  return {
    addr: { kind, name },
    provider: kind.split('_')[0]!,
    attrs: dependsOn === undefined ? {} : { depends_on: dependsOn },
  };
}

const keys = (rs: DesiredResource[]) => rs.map((r) => `${r.addr.kind}.${r.addr.name}`);

function thrown(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    return err as PlanError;
  }
  throw new Error('expected an error');
}

function triggered(key: string, by: string[], line: number): DesiredResource {
  return {
    ...res(key),
    attrs: { triggered_by: by },
    source: {
      block: { file: 'app.strat', line, column: 1 },
      attrs: { triggered_by: { file: 'app.strat', line: line + 1, column: 3 } },
    },
  };
}

describe('topoSortDesired: triggered_by', () => {
  it('orders a resource after what triggers it', () => {
    const input = [triggered('system_service.web', ['system_file.conf'], 1), res('system_file.conf')];
    expect(keys(topoSortDesired(input))).toEqual(['system_file.conf', 'system_service.web']);
  });

  it('refuses an unknown trigger, saying where it was written', () => {
    const error = thrown(() => topoSortDesired([triggered('system_service.web', ['system_file.nope'], 4)]));
    expect(error.code).toBe('UnknownDependency');
    expect(error.message).toBe(
      'triggered_by edge: `system_service.web` references unknown resource `system_file.nope` at app.strat:5:3',
    );
  });

  it('refuses a cycle through a trigger, naming it and where', () => {
    const input = [
      triggered('system_service.web', ['ssh_exec.warm'], 1),
      res('ssh_exec.warm', ['system_service.web']),
    ];
    const error = thrown(() => topoSortDesired(input));
    expect(error.code).toBe('DependencyCycle');
    expect(error.message).toBe(
      'depends_on / triggered_by cycle: `system_service.web` -> `ssh_exec.warm` -> `system_service.web` at app.strat:2:3',
    );
  });
});

function reading(key: string, target: string, line: number, dependsOn?: string[]): DesiredResource {
  return {
    ...res(key, dependsOn),
    source: {
      block: { file: 'app.strat', line, column: 1 },
      attrs: {},
      refs: [{ attr: 'command', target, location: { file: 'app.strat', line: line + 1, column: 13 } }],
    },
  };
}

describe('topoSortDesired: references between resources', () => {
  it('orders a resource after the one it reads, with no depends_on', () => {
    const input = [reading('ssh_exec.use', 'system_file.conf', 1), res('system_file.conf')];
    expect(keys(topoSortDesired(input))).toEqual(['system_file.conf', 'ssh_exec.use']);
  });

  it('refuses a reference to a resource outside the planned set, saying where', () => {
    const error = thrown(() => topoSortDesired([reading('ssh_exec.use', 'system_file.gone', 7)]));
    expect(error.code).toBe('UnknownDependency');
    expect(error.message).toBe(
      'reference edge: `ssh_exec.use` references unknown resource `system_file.gone` at app.strat:8:13',
    );
  });

  it('refuses a cycle of a reference and a depends_on, naming both kinds of edge', () => {
    const input = [reading('ssh_exec.use', 'system_file.conf', 1), res('system_file.conf', ['ssh_exec.use'])];
    const error = thrown(() => topoSortDesired(input));
    expect(error.code).toBe('DependencyCycle');
    expect(error.message).toBe(
      'depends_on / reference cycle: `ssh_exec.use` -> `system_file.conf` -> `ssh_exec.use` at app.strat:2:13',
    );
  });
});

describe('topoSortDesired', () => {
  it('keeps input order without edges', () => {
    const input = ['docker_container.z', 'docker_container.a', 'system_file.m'].map((k) => res(k));
    expect(keys(topoSortDesired(input))).toEqual([
      'docker_container.z',
      'docker_container.a',
      'system_file.m',
    ]);
  });

  it('moves a dependent after its dependencies, otherwise keeping file order', () => {
    const input = [
      res('docker_container.api', ['docker_container.db', 'docker_container.cache']),
      res('docker_container.db'),
      res('docker_container.cache'),
      res('docker_container.web'),
    ];
    expect(keys(topoSortDesired(input))).toEqual([
      'docker_container.db',
      'docker_container.cache',
      'docker_container.api',
      'docker_container.web',
    ]);
  });

  it('keeps implicit _stratum_ resources at the front', () => {
    const input = [
      res('ssh_exec._stratum_swap_primary'),
      res('system_file._stratum_sshd_oom_primary'),
      res('docker_container.app', ['docker_container.db']),
      res('docker_container.db'),
      res('ssh_exec._stratum_sshd_reload_primary'),
    ];
    expect(keys(topoSortDesired(input))).toEqual([
      'ssh_exec._stratum_swap_primary',
      'system_file._stratum_sshd_oom_primary',
      'ssh_exec._stratum_sshd_reload_primary',
      'docker_container.db',
      'docker_container.app',
    ]);
  });

  it('rejects an unknown dependency with the spec message', () => {
    const err = thrown(() => topoSortDesired([res('docker_container.api', ['docker_container.db'])]));
    expect(StratumError.hasCode(err, 'UnknownDependency')).toBe(true);
    expect(err.message).toBe(
      'depends_on edge: `docker_container.api` references unknown resource `docker_container.db`',
    );
    expect(err.addresses).toEqual(['docker_container.api', 'docker_container.db']);
  });

  it('orders by an edge to an instance, and points a bare for_each address at its instances', () => {
    const web1 = res('system_package.nginx["web1"]');
    const api = res('ssh_exec.api', ['system_package.nginx["web1"]']);
    expect(keys(topoSortDesired([api, web1]))).toEqual(['system_package.nginx["web1"]', 'ssh_exec.api']);
    const err = thrown(() =>
      topoSortDesired([
        res('system_package.nginx["web1"]'),
        res('system_package.nginx["web2"]'),
        res('ssh_exec.api', ['system_package.nginx']),
      ]),
    );
    expect(StratumError.hasCode(err, 'UnknownDependency')).toBe(true);
    expect(err.hint).toBe(
      '`system_package.nginx` has instances: name them in depends_on, e.g. "system_package.nginx[\\"web1\\"]", "system_package.nginx[\\"web2\\"]"',
    );
  });

  it('rejects a cycle, citing its path', () => {
    const err = thrown(() =>
      topoSortDesired([
        res('docker_container.web', ['docker_container.a']),
        res('docker_container.a', ['docker_container.b']),
        res('docker_container.b', ['docker_container.a']),
      ]),
    );
    expect(StratumError.hasCode(err, 'DependencyCycle')).toBe(true);
    expect(err.message).toBe(
      'depends_on cycle: `docker_container.a` -> `docker_container.b` -> `docker_container.a`',
    );
    expect(err.cycle).toEqual(['docker_container.a', 'docker_container.b', 'docker_container.a']);
  });

  it('rejects a resource depending on itself', () => {
    const err = thrown(() => topoSortDesired([res('docker_container.a', ['docker_container.a'])]));
    expect(err.message).toBe('depends_on cycle: `docker_container.a` -> `docker_container.a`');
  });

  it('ignores duplicate edges and non-string entries', () => {
    const input = [
      res('docker_container.b', ['docker_container.a', 'docker_container.a']),
      res('docker_container.a'),
    ];
    expect(keys(topoSortDesired(input))).toEqual(['docker_container.a', 'docker_container.b']);
  });

  /** A random DAG: edges only point to lower node numbers, then the input is shuffled. */
  const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  );

  it('respects every edge and keeps edgeless resources in input order (property)', () => {
    fc.assert(
      fc.property(dag, ({ n, edges, order }) => {
        const deps = Array.from({ length: n }, () => new Set<number>());
        for (const [a, b] of edges) if (a !== b) deps[Math.max(a, b)]!.add(Math.min(a, b));
        const input = order.map((i) =>
          res(
            `docker_container.r${i}`,
            [...deps[i]!].map((d) => `docker_container.r${d}`),
          ),
        );
        const out = keys(topoSortDesired(input));
        const pos = new Map(out.map((k, i) => [k, i]));
        expect(out).toHaveLength(n);
        for (let i = 0; i < n; i++) {
          for (const d of deps[i]!) {
            expect(pos.get(`docker_container.r${d}`)!).toBeLessThan(pos.get(`docker_container.r${i}`)!);
          }
        }
        const touched = new Set<number>();
        deps.forEach((ds, i) => {
          if (ds.size > 0) touched.add(i);
          for (const d of ds) touched.add(d);
        });
        const edgelessIn = keys(input).filter((_, j) => !touched.has(order[j]!));
        const edgelessOut = out.filter((k) => edgelessIn.includes(k));
        expect(edgelessOut).toEqual(edgelessIn);
      }),
    );
  });
});
