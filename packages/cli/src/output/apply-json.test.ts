import { createPlan, RedactionMap, redactPlan } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesSchema, publishedValidator } from '../__tests__/json-schemas';
import { applyJsonEmitter, stepEventJson, stepEventOf } from './apply-json';

function addr(address: string) {
  const [kind = '', name = ''] = address.split('.');
  return { addr: { kind, name } };
}

/** The lines `apply --json` prints for a run with one done and one failed step, through the CLI's emitter. */
function printedLines() {
  const plan = redactPlan(
    createPlan([
      {
        ...addr('docker_network.edge'),
        provider: 'docker',
        action: 'create',
        desired: {},
        prior: null,
        changes: [],
      },
      {
        ...addr('system_file.old'),
        provider: 'system',
        action: 'delete',
        desired: null,
        prior: {},
        changes: [],
      },
    ]),
  );
  const [create, remove] = plan.steps as [(typeof plan.steps)[0], (typeof plan.steps)[0]];
  const lines: string[] = [];
  const redaction = new RedactionMap({ digestCost: 4 });
  redaction.add('pg', 'hunter2hunter2');
  const emit = applyJsonEmitter({ out: (line) => lines.push(line) }, redaction);
  emit({ type: 'plan', summary: plan.summary(), steps: plan.steps.map(stepEventOf) });
  emit(stepEventJson({ type: 'step_start', step: create, host: 'web1' }));
  emit(stepEventJson({ type: 'step_done', step: create, elapsedMs: 12.6 }));
  emit(stepEventJson({ type: 'step_start', step: remove, host: undefined }));
  emit(
    stepEventJson({
      type: 'step_failed',
      step: remove,
      error: new Error('rm: permission denied (PGPASSWORD=hunter2hunter2)'),
    }),
  );
  emit({ type: 'state_saved', path: '/srv/.stratum/state.json', completed: 1 });
  emit({ type: 'post_apply', summary: plan.summary() });
  emit({ type: 'done', result: 'nothing-to-do' });
  expect(lines.join('\n')).not.toContain('hunter2hunter2');
  return lines.map((line) => JSON.parse(line));
}

describe('apply --json schema', () => {
  it('accepts every line the CLI emits', () => {
    const lines = printedLines();
    expect(lines.map((line) => line.type)).toEqual([
      'stream',
      'plan',
      'step_start',
      'step_done',
      'step_start',
      'step_failed',
      'state_saved',
      'post_apply',
      'done',
    ]);
    for (const line of lines) expectMatchesSchema('apply-event', line);
  });

  it('rejects a malformed line: an unknown type, an unknown action, a missing field', () => {
    const validate = publishedValidator('apply-event');
    const [, plan, start] = printedLines();
    expect(validate({ ...start, type: 'step_skipped' })).toBe(false);
    expect(validate({ ...start, action: 'replace' })).toBe(false);
    const { summary: _summary, ...noSummary } = plan;
    expect(validate(noSummary)).toBe(false);
  });
});
