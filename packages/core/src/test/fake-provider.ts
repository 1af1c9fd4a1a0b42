import { z } from 'zod';
import type { Operation } from '../operation';
import type { KindHandler, Provider } from '../provider';
import { providerNameOf, Registry } from '../registry';
import type { JsonObject, JsonValue } from '../types';

/** One call a fake provider received. */
export interface FakeCall {
  readonly op: 'configure' | 'create' | 'update' | 'delete';
  /** The kind; empty for `configure`. */
  readonly kind: string;
  /** The resource name; the provider's name for `configure`. */
  readonly name: string;
  /** The attrs (create / update, after the schema) or the provider block (configure). */
  readonly attrs?: JsonObject | undefined;
  /** The prior attrs (update / delete). */
  readonly prior?: JsonValue | undefined;
}

/** A provider whose calls are recorded in `calls`. */
export interface FakeProvider extends Provider {
  readonly calls: FakeCall[];
}

/**
 * A provider named `name` with the given kinds. Each kind may override any part
 * of its handler; what is not given is a harmless default: a schema that accepts
 * any attributes, `create` / `update` operations that run nothing and record
 * the attrs they got, a `delete` that runs nothing, and no `probe` / `read`.
 *
 * A call is recorded in `calls` when its step completes — when the engine
 * records the operation's result — not when the operation is built (the engine
 * builds every step's operation before running any). Overridden operations are
 * recorded too, after their own `record`.
 *
 * @example
 * ```ts
 * const fake = createFakeProvider('demo', {
 *   demo_thing: { schema: z.strictObject({ host: z.string() }) },
 * });
 * ```
 */
export function createFakeProvider(
  name: string,
  kinds: Readonly<Record<string, Partial<KindHandler<JsonObject>>>> | readonly string[],
): FakeProvider {
  const calls: FakeCall[] = [];
  const entries: [string, Partial<KindHandler<JsonObject>>][] = Array.isArray(kinds)
    ? kinds.map((kind) => [kind, {}])
    : Object.entries(kinds as Record<string, Partial<KindHandler<JsonObject>>>);
  const handlers: Record<string, KindHandler<JsonObject>> = {};
  for (const [kind, overrides] of entries) handlers[kind] = fakeHandler(overrides, calls);
  return {
    name,
    kinds: handlers,
    calls,
    configSchema: z.record(z.string(), z.json()),
    configure(attrs) {
      calls.push({ op: 'configure', kind: '', name, attrs });
    },
  };
}

/** The host an operation of a fake runs on: the attrs' `host` when there is one. */
function hostOf(attrs: JsonValue): string {
  const host = typeof attrs === 'object' && attrs !== null && !Array.isArray(attrs) ? attrs.host : undefined;
  return typeof host === 'string' ? host : 'fake-host';
}

/** `base`, with `call` recorded when its `record` runs (the step completed). */
function recorded(base: Operation, onRecord: () => void, fallback: JsonObject): Operation {
  return {
    ...base,
    record(results) {
      const out = base.record ? base.record(results) : fallback;
      onRecord();
      return out;
    },
  };
}

function fakeHandler(
  overrides: Partial<KindHandler<JsonObject>>,
  calls: FakeCall[],
): KindHandler<JsonObject> {
  const { create, update, delete: remove, ...hooks } = overrides;
  return {
    schema: z.record(z.string(), z.json()),
    ...hooks,
    async create(request) {
      const base = create ? await create(request) : { host: hostOf(request.attrs), commands: [] };
      return recorded(
        base,
        () => calls.push({ op: 'create', kind: request.kind, name: request.name, attrs: request.attrs }),
        request.attrs,
      );
    },
    async update(request) {
      const base = update ? await update(request) : { host: hostOf(request.attrs), commands: [] };
      return recorded(
        base,
        () =>
          calls.push({
            op: 'update',
            kind: request.kind,
            name: request.name,
            attrs: request.attrs,
            prior: request.prior,
          }),
        request.attrs,
      );
    },
    async delete(request) {
      const base = remove ? await remove(request) : { host: hostOf(request.prior), commands: [] };
      return recorded(
        base,
        () => calls.push({ op: 'delete', kind: request.kind, name: request.name, prior: request.prior }),
        {},
      );
    },
  };
}

/**
 * A registry of fake providers for `kinds`, grouped by prefix
 * (`['docker_container', 'system_file']` → providers `docker` and `system`),
 * each kind with the default fake handler.
 */
export function createFakeRegistry(kinds: readonly string[]): Registry {
  const byProvider = new Map<string, string[]>();
  for (const kind of kinds) {
    const provider = providerNameOf(kind);
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), kind]);
  }
  return new Registry([...byProvider].map(([name, own]) => createFakeProvider(name, own)));
}
