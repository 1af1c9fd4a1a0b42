import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPlan, RedactionMap, redactPlan } from '@stratum/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { applyEventJsonSchema, applyJsonEmitter, stepEventJson, stepEventOf } from './apply-json';

const schemaFile = fileURLToPath(new URL('../../schemas/apply-event.schema.json', import.meta.url));

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

function validator() {
  return new Ajv2020({ strict: true, allErrors: true }).compile(applyEventJsonSchema());
}

describe('apply --json schema', () => {
  it('is the committed schemas/apply-event.schema.json (regenerate with UPDATE_SCHEMAS=1)', () => {
    const generated = `${JSON.stringify(applyEventJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(schemaFile, generated);
    expect(readFileSync(schemaFile, 'utf8')).toBe(generated);
  });

  it('accepts every line the CLI emits', () => {
    const validate = validator();
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
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a malformed line: an unknown type, an unknown action, a missing field', () => {
    const validate = validator();
    const [, plan, start] = printedLines();
    expect(validate({ ...start, type: 'step_skipped' })).toBe(false);
    expect(validate({ ...start, action: 'replace' })).toBe(false);
    const { summary: _summary, ...noSummary } = plan;
    expect(validate(noSummary)).toBe(false);
  });
});
