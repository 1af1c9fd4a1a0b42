import { awaitReady, type ExecResult, type ReadinessPoll, StratumError } from '@stratum/core';
import { createRecordingTransport } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { DockerError } from '../shared/errors';
import { ContainerHealthError, containerHealthReadiness, healthStatusFromResult } from './health';

const HOST = 'root@h';
const TEMPLATE_NO_HEALTH =
  'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"\n';
const readiness = containerHealthReadiness({ resource: 'database', host: HOST, container: 'db' });

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
const failed = (stderr: string): ExecResult => ({ exitCode: 1, stdout: '', stderr });

describe('healthStatusFromResult', () => {
  it('passes docker statuses through', () => {
    expect(healthStatusFromResult('starting\n', '', 0)).toBe('starting');
    expect(healthStatusFromResult('healthy\n', '', 0)).toBe('healthy');
  });

  it('maps "no healthcheck" in every wording to the empty status', () => {
    expect(healthStatusFromResult('<no value>\n', '', 0)).toBe('');
    expect(healthStatusFromResult('', TEMPLATE_NO_HEALTH, 1)).toBe('');
    expect(
      healthStatusFromResult(
        '',
        'Template parsing error: template: :1:15: executing "" at <.State.Health.Status>: nil pointer evaluating *types.Health.Status',
        1,
      ),
    ).toBe('');
  });

  it('returns undefined for other failures', () => {
    expect(healthStatusFromResult('', 'Error: No such object: x', 1)).toBeUndefined();
  });
});

describe('containerHealthReadiness', () => {
  it('asks docker for the health status on the container host, the template quoted for the shell', () => {
    expect(readiness).toMatchObject({
      type: 'poll',
      host: HOST,
      command: `docker container inspect --format '{{.State.Health.Status}}' db`,
      intervalMs: 1000,
      maxPolls: 60,
    });
    expect(containerHealthReadiness({ resource: 'x', host: HOST, container: "it's" }).command).toBe(
      `docker container inspect --format '{{.State.Health.Status}}' 'it'\\''s'`,
    );
  });

  it('is ready once docker reports healthy, and waits while starting', () => {
    expect(readiness.check(ok('healthy\n'), 1)).toBe('ready');
    expect(readiness.check(ok('healthy'), 7)).toBe('ready');
    expect(readiness.check(ok('starting\n'), 1)).toBe('waiting');
  });

  it('fails on unhealthy, naming the container and how many checks it took', () => {
    const verdict = readiness.check(ok('unhealthy\n'), 2);
    expect(verdict).toMatchObject({ failed: expect.any(ContainerHealthError) });
    const error = (verdict as { failed: ContainerHealthError }).failed;
    expect(StratumError.hasCode(error, 'ContainerUnhealthy')).toBe(true);
    expect(DockerError.isInstance(error)).toBe(true);
    expect(ContainerHealthError.isInstance(error)).toBe(true);
    expect(error.message).toBe('container `db` reported `unhealthy` after 2 health checks');
    expect(error.polls).toBe(2);
    expect(error.lastStatus).toBe('unhealthy');
    expect(error.hint).toContain('docker logs db');
    expect(error).toMatchObject({ kind: 'docker_container', resource: 'database', host: HOST });
    const once = (readiness.check(ok('unhealthy'), 1) as { failed: Error }).failed;
    expect(once.message).toBe('container `db` reported `unhealthy` after 1 health check');
  });

  it('treats an empty, none or template-error status on the first poll as no healthcheck', () => {
    for (const result of [ok(''), ok('\n'), ok('none'), ok('<no value>'), failed(TEMPLATE_NO_HEALTH)]) {
      expect(readiness.check(result, 1)).toBe('ready');
    }
  });

  it('keeps polling an empty status after the first poll', () => {
    for (const result of [ok(''), ok('none'), ok('<no value>'), failed(TEMPLATE_NO_HEALTH)]) {
      expect(readiness.check(result, 2)).toBe('waiting');
    }
  });

  it('fails a read that fails otherwise, naming the container with what docker said', () => {
    const verdict = readiness.check(failed('Error: No such object: db\n'), 3);
    const error = (verdict as { failed: DockerError }).failed;
    expect(DockerError.isInstance(error)).toBe(true);
    expect(ContainerHealthError.isInstance(error)).toBe(false);
    expect(error.code).toBe('ContainerHealthUnreadable');
    expect(error.message).toBe(
      'docker_container.database: reading the health status of container `db` on root@h failed (exit 1):\nError: No such object: db',
    );
    expect(error.hint).toContain('docker ps -a --filter name=db');
    const silent = (readiness.check({ exitCode: 125, stdout: '', stderr: '' }, 1) as { failed: Error })
      .failed;
    expect(silent.message).toBe(
      'docker_container.database: reading the health status of container `db` on root@h failed (exit 125)',
    );
  });

  it('times out naming the last status', () => {
    const error = readiness.timedOut(ok('starting\n'), 5) as ContainerHealthError;
    expect(StratumError.hasCode(error, 'ContainerHealthTimeout')).toBe(true);
    expect(error.lastStatus).toBe('starting');
    expect(error.message).toBe('container `db` was not healthy after 5 polls; last status `starting`');
    expect(error.hint).toContain('start_period');
    const blank = readiness.timedOut(undefined, 60) as ContainerHealthError;
    expect(blank.message).toBe('container `db` was not healthy after 60 polls; last status `<empty>`');
  });
});

describe('containerHealthReadiness through awaitReady', () => {
  /** A transport answering health reads from a script, and a sleep that records instead of waiting. */
  function fake(replies: (string | ExecResult)[]) {
    let polls = 0;
    const transport = createRecordingTransport(() => replies[Math.min(polls++, replies.length - 1)]!);
    const sleeps: number[] = [];
    const controller = new AbortController();
    const ctx = {
      transport,
      signal: controller.signal,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    };
    return { transport, sleeps, controller, ctx };
  }

  it('resolves once docker reports healthy, a second between polls', async () => {
    const f = fake(['starting\n', 'starting', 'healthy\n']);
    await awaitReady(readiness, f.ctx);
    expect(f.transport.calls.map((c) => [c.host, c.command, c.options.idempotent])).toEqual(
      Array(3).fill([HOST, `docker container inspect --format '{{.State.Health.Status}}' db`, true]),
    );
    expect(f.sleeps).toEqual([1000, 1000]);
  });

  it('rejects on unhealthy', async () => {
    const f = fake(['starting', 'unhealthy']);
    const error = await awaitReady(readiness, f.ctx).catch((e: unknown) => e);
    expect(StratumError.hasCode(error, 'ContainerUnhealthy')).toBe(true);
    expect((error as ContainerHealthError).polls).toBe(2);
  });

  it('proceeds at once for a container docker runs no healthcheck for', async () => {
    const f = fake([{ exitCode: 1, stdout: '', stderr: TEMPLATE_NO_HEALTH }]);
    await awaitReady(readiness, f.ctx);
    expect(f.transport.calls).toHaveLength(1);
    expect(f.sleeps).toEqual([]);
  });

  it('gives up after 60 polls one second apart, naming the last status', async () => {
    const f = fake(['starting']);
    await expect(awaitReady(readiness, f.ctx)).rejects.toThrow(
      'container `db` was not healthy after 60 polls; last status `starting`',
    );
    expect(f.transport.calls).toHaveLength(60);
    expect(f.sleeps).toEqual(Array(59).fill(1000));
  });

  it('stops when aborted', async () => {
    const f = fake(['starting']);
    const ctx = { ...f.ctx, sleep: async () => f.controller.abort(new Error('interrupted')) };
    await expect(awaitReady(readiness, ctx)).rejects.toThrow('interrupted');
    expect(f.transport.calls).toHaveLength(1);
  });

  it('lets transport errors through', async () => {
    const transport = createRecordingTransport(() => {
      throw new Error('ssh down');
    });
    await expect(awaitReady(readiness, { transport, signal: new AbortController().signal })).rejects.toThrow(
      'ssh down',
    );
  });

  it('waits with the default timer when no sleep is given', async () => {
    const f = fake(['starting', 'healthy']);
    const quick: ReadinessPoll = { ...readiness, intervalMs: 1 };
    await awaitReady(quick, { transport: f.transport, signal: f.ctx.signal });
    expect(f.transport.calls).toHaveLength(2);
  });
});
