import { StratumError } from './errors';
import type { KindHandler, Provider } from './provider';

/** The provider and handler a kind is routed to. */
export interface KindRoute {
  readonly provider: Provider;
  readonly handler: KindHandler<unknown>;
}

/** The provider name a kind routes to: its prefix before the first `_` (`acme_widget` → `acme`). */
export function providerNameOf(kind: string): string {
  const underscore = kind.indexOf('_');
  return underscore === -1 ? kind : kind.slice(0, underscore);
}

/**
 * The providers of a run, and the routing of kinds to them by kind prefix:
 * `acme_widget` goes to the provider named `acme`, which must list the kind
 * in its `kinds`.
 */
export class Registry {
  readonly #byName = new Map<string, Provider>();

  /** A registry holding `providers`, each added with {@link Registry.register}. */
  constructor(providers: Iterable<Provider> = []) {
    for (const provider of providers) this.register(provider);
  }

  /**
   * Adds a provider. Throws a `StratumError` (`BadProviderName`) for an empty
   * name or one containing `_`, (`DuplicateProvider`) when one with
   * the same name is registered, and (`BadProviderKind`) when one of its kinds
   * does not start with `<name>_` — such a kind could never be routed to it.
   */
  register(provider: Provider): void {
    if (provider.name === '' || provider.name.includes('_')) {
      throw new StratumError(
        'BadProviderName',
        `provider name \`${provider.name}\` must be non-empty and contain no \`_\``,
        {
          hint: 'kinds are routed by the prefix before their first `_`, so a provider name cannot contain one',
        },
      );
    }
    if (this.#byName.has(provider.name)) {
      throw new StratumError('DuplicateProvider', `provider \`${provider.name}\` is registered twice`, {
        hint: 'load each provider package once',
      });
    }
    for (const kind of Object.keys(provider.kinds)) {
      if (!kind.startsWith(`${provider.name}_`) || kind.length === provider.name.length + 1) {
        throw new StratumError(
          'BadProviderKind',
          `provider \`${provider.name}\` declares kind \`${kind}\`, which does not start with \`${provider.name}_\``,
          {
            hint: `name every kind of this provider \`${provider.name}_<type>\`: kinds are routed by that prefix`,
          },
        );
      }
    }
    this.#byName.set(provider.name, provider);
  }

  /**
   * The provider and handler of `kind`. Throws a `StratumError` with code
   * `UnknownProvider` (no provider has the kind's prefix) or `UnknownKind` (the
   * provider does not have the kind); the hint lists what is known.
   */
  forKind(kind: string): KindRoute {
    const name = providerNameOf(kind);
    const provider = this.#byName.get(name);
    if (provider === undefined) {
      const known = [...this.#byName.keys()].sort();
      throw new StratumError(
        'UnknownProvider',
        `no provider for kind \`${kind}\`: provider \`${name}\` is not loaded`,
        {
          hint:
            known.length === 0
              ? 'no providers are loaded'
              : `kinds are routed by the prefix before the first \`_\`; known providers: ${known.join(', ')}`,
        },
      );
    }
    const handler = Object.hasOwn(provider.kinds, kind) ? provider.kinds[kind] : undefined;
    if (handler === undefined) {
      const known = Object.keys(provider.kinds).sort();
      throw new StratumError('UnknownKind', `provider \`${name}\` has no kind \`${kind}\``, {
        hint:
          known.length === 0 ? `provider \`${name}\` declares no kinds` : `known kinds: ${known.join(', ')}`,
      });
    }
    return { provider, handler };
  }

  /** True when `kind` can be routed. */
  has(kind: string): boolean {
    const provider = this.#byName.get(providerNameOf(kind));
    return provider !== undefined && Object.hasOwn(provider.kinds, kind);
  }

  /** The provider named `name`, if registered. */
  provider(name: string): Provider | undefined {
    return this.#byName.get(name);
  }

  /** Every registered provider, in registration order. */
  providers(): Provider[] {
    return [...this.#byName.values()];
  }

  /** Every routable kind, sorted. */
  kinds(): string[] {
    return this.providers()
      .flatMap((provider) => Object.keys(provider.kinds))
      .sort();
  }
}
