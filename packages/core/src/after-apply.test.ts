import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instanceName } from './addr';
import {
  afterApplyMarker,
  afterApplyRefs,
  holdsAfterApply,
  isWholeAfterApply,
  renderAfterApply,
  substituteAfterApply,
} from './after-apply';

const kind = fc.stringMatching(/^[a-z][a-z0-9]{0,6}_[a-z0-9_]{1,8}$/);
/** Names may hold dots; instance keys may hold anything. */
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,6}(\.[A-Za-z0-9_-]{1,6}){0,2}$/),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/), fc.string())
    .map(([base, key]) => instanceName(base, key)),
);
const attr = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const ref = fc.record({ target: fc.tuple(kind, name).map(([k, n]) => `${k}.${n}`), attr });

describe('known-after-apply markers', () => {
  it('reads back the producer and attribute of every marker, inside any text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), ref), { minLength: 1, maxLength: 4 }), (parts) => {
        // Text around the markers is free, except that it cannot itself start a marker.
        const text = parts
          .map(([t, r]) => t.replaceAll('<', '') + afterApplyMarker(r.target, r.attr))
          .join('');
        expect(afterApplyRefs(text)).toEqual(parts.map(([, r]) => r));
        expect(holdsAfterApply({ list: [text] })).toBe(true);
      }),
    );
  });

  it('substitutes the values it is given and keeps the rest, without touching the input', () => {
    const a = afterApplyMarker('git_repo.app', 'commit_sha');
    const b = afterApplyMarker('docker_image.web["eu"]', 'image_id');
    const value = { command: `deploy ${a}`, env: { IMAGE: b }, n: 1 };
    const out = substituteAfterApply(value, (r) => (r.attr === 'commit_sha' ? 'abc123' : undefined));
    expect(out).toEqual({ command: 'deploy abc123', env: { IMAGE: b }, n: 1 });
    expect(value.command).toBe(`deploy ${a}`);
    expect(substituteAfterApply(value, () => undefined)).toBe(value);
  });

  it('prints a marker as (known after apply), alone or inside text', () => {
    const a = afterApplyMarker('system_file.nginx.conf', 'sha');
    expect(isWholeAfterApply(a)).toBe(true);
    expect(isWholeAfterApply(`x${a}`)).toBe(false);
    expect(renderAfterApply(`v=${a}!`)).toBe('v=(known after apply)!');
    expect(afterApplyRefs(a)).toEqual([{ target: 'system_file.nginx.conf', attr: 'sha' }]);
  });

  it('finds nothing in text that only looks like a marker', () => {
    expect(holdsAfterApply('<known-after-apply:nodot>')).toBe(false);
    expect(afterApplyRefs('<known-after-apply:Bad.name.attr>')).toEqual([]);
  });
});
