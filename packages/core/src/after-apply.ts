import { isJsonObject } from './json';
import type { JsonObject, JsonValue } from './types';

/**
 * Values known only after apply: an attribute a kind computes while it
 * applies (a docker image's id, a git checkout's commit) and that another
 * resource reads. Until the producer has applied, the reader's desired attrs
 * hold a marker in its place — a string, so it sits inside `${...}`
 * templates as well as standing alone:
 *
 *     <known-after-apply:git_repo.app.commit_sha>
 *
 * The planner substitutes the value recorded in state when the producer has
 * nothing to do; otherwise the reader is planned with the marker (its value
 * changes, so it is an update) and the engine substitutes the real value once
 * the producer's step has finished. The marker is plain text on purpose: it
 * travels through saved plans and `plan --json` as it is, like the inline
 * secret markers, and printed plans show it as `(known after apply)`.
 * Outputs are strings, so a substituted value is spliced into the string.
 */

const PREFIX = '<known-after-apply:';

/**
 * One marker: the producer's address (`<kind>.<name>`, names may hold dots,
 * an instance suffix `["key"]` may hold anything JSON-escaped) and the
 * attribute, which never holds a dot — so the last `.` before `>` splits them.
 */
const MARKER =
  /<known-after-apply:([a-z][a-z0-9_]*\.[^<>[\]"\s]+?(?:\["(?:[^"\\]|\\.)*"\])?)\.([A-Za-z_][A-Za-z0-9_-]*)>/g;

/** What a marker stands for. */
export interface AfterApplyRef {
  /** The producer's address, `docker_image.app` or `system_user.deploy["web1"]`. */
  readonly target: string;
  /** The attribute the producer's kind computes (see `KindHandler.outputs`). */
  readonly attr: string;
}

/** The marker that stands for `target`'s `attr` until it is known. */
export function afterApplyMarker(target: string, attr: string): string {
  return `${PREFIX}${target}.${attr}>`;
}

/** Every marker in `value` (strings, lists and maps walked), in order, repeats included. */
export function afterApplyRefs(value: JsonValue): AfterApplyRef[] {
  const found: AfterApplyRef[] = [];
  walkStrings(value, (text) => {
    if (!text.includes(PREFIX)) return;
    for (const match of text.matchAll(MARKER)) found.push({ target: match[1]!, attr: match[2]! });
  });
  return found;
}

/** Whether `value` holds any marker. */
export function holdsAfterApply(value: JsonValue): boolean {
  let held = false;
  walkStrings(value, (text) => {
    if (!held && text.includes(PREFIX)) {
      MARKER.lastIndex = 0;
      held = MARKER.test(text);
      MARKER.lastIndex = 0;
    }
  });
  return held;
}

/**
 * `value` with every marker `known` has a value for replaced by it; markers it
 * has none for (`undefined`) stay. Returns `value` itself when nothing was
 * replaced, so callers can tell by identity; never mutates it.
 */
export function substituteAfterApply<T extends JsonValue>(
  value: T,
  known: (ref: AfterApplyRef) => string | undefined,
): T {
  return mapStrings(value, (text) => {
    if (!text.includes(PREFIX)) return text;
    return text.replace(MARKER, (marker, target: string, attr: string) => known({ target, attr }) ?? marker);
  }) as T;
}

/** How printed plans show a value known only after apply. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/** The printed form: every marker becomes {@link KNOWN_AFTER_APPLY}. */
export function renderAfterApply(text: string): string {
  if (!text.includes(PREFIX)) return text;
  return text.replace(MARKER, KNOWN_AFTER_APPLY);
}

/** Whether `text` is exactly one marker (a bare reference, not a template). */
export function isWholeAfterApply(text: string): boolean {
  if (!text.startsWith(PREFIX)) return false;
  MARKER.lastIndex = 0;
  const match = MARKER.exec(text);
  MARKER.lastIndex = 0;
  return match !== null && match.index === 0 && match[0].length === text.length;
}

function walkStrings(value: JsonValue, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) walkStrings(item, visit);
  else if (isJsonObject(value)) for (const item of Object.values(value)) walkStrings(item, visit);
}

function mapStrings(value: JsonValue, map: (text: string) => string): JsonValue {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) {
    let out: JsonValue[] | undefined;
    value.forEach((item, i) => {
      const mapped = mapStrings(item, map);
      if (mapped === item) return;
      out ??= [...value];
      out[i] = mapped;
    });
    return out ?? value;
  }
  if (isJsonObject(value)) {
    let out: JsonObject | undefined;
    for (const [key, item] of Object.entries(value)) {
      const mapped = mapStrings(item, map);
      if (mapped === item) continue;
      out ??= { ...value };
      out[key] = mapped;
    }
    return out ?? value;
  }
  return value;
}
