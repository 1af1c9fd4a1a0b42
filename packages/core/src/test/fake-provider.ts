import { z } from 'zod';
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
 * any attributes, `create` / `update` that return the attrs they got, a `delete`
 * that does nothing, and no `probe` / `read`. Every create / update / delete /
 * configure is recorded in `calls` (overridden ones too).
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
    configure(attrs) {
      calls.push({ op: 'configure', kind: '', name, attrs });
    },
  };
}

function fakeHandler(
  overrides: Partial<KindHandler<JsonObject>>,
  calls: FakeCall[],
): KindHandler<JsonObject> {
  return {
    schema: overrides.schema ?? z.record(z.string(), z.json()),
    async create(request, ctx) {
      calls.push({ op: 'create', kind: request.kind, name: request.name, attrs: request.attrs });
      return overrides.create ? overrides.create(request, ctx) : (request.attrs as JsonObject);
    },
    async update(request, ctx) {
      calls.push({
        op: 'update',
        kind: request.kind,
        name: request.name,
        attrs: request.attrs,
        prior: request.prior,
      });
      return overrides.update ? overrides.update(request, ctx) : (request.attrs as JsonObject);
    },
    async delete(request, ctx) {
      calls.push({ op: 'delete', kind: request.kind, name: request.name, prior: request.prior });
      if (overrides.delete) await overrides.delete(request, ctx);
    },
    ...(overrides.probe === undefined ? {} : { probe: overrides.probe }),
    ...(overrides.read === undefined ? {} : { read: overrides.read }),
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
