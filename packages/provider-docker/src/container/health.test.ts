import { pollContainerHealth } from '@stratum/core';
import { createRecordingTransport } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { containerHealthInspector, healthStatusFromResult } from './health';

describe('healthStatusFromResult', () => {
  it('passes docker statuses through', () => {
    expect(healthStatusFromResult('starting\n', '', 0)).toBe('starting');
    expect(healthStatusFromResult('healthy\n', '', 0)).toBe('healthy');
  });

  it('maps "no healthcheck" in every wording to the empty status', () => {
    expect(healthStatusFromResult('<no value>\n', '', 0)).toBe('');
    expect(
      healthStatusFromResult(
        '',
        'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"\n',
        1,
      ),
    ).toBe('');
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

describe('containerHealthInspector', () => {
  it('drives pollContainerHealth until healthy, with the template quoted for the shell', async () => {
    const statuses = ['starting', 'starting', 'healthy'];
    const transport = createRecordingTransport(() => `${statuses.shift()}\n`);
    await pollContainerHealth(containerHealthInspector(transport, 'root@h', 'db'), { sleep: async () => {} });
    expect(transport.commands()).toEqual(
      Array(3).fill(`docker inspect --format '{{.State.Health.Status}}' db`),
    );
  });

  it('rejects when the container is gone', async () => {
    const transport = createRecordingTransport(() => ({
      exitCode: 1,
      stderr: 'Error: No such object: db\n',
    }));
    await expect(containerHealthInspector(transport, 'root@h', 'db')()).rejects.toThrow(/No such object: db/);
  });
});
