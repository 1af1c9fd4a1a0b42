import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProviderDecl } from '@stratum/config';
import type { JsonObject, Provider } from '@stratum/core';
import { CliError } from './errors';

/**
 * Third-party providers: `provider "<name>" { source = "<npm package>" }`
 * loads a package built against `@stratum/core`. The package is resolved from
 * the directory of the config that declares the block (so a project can pin it
 * in its own package.json), then from the CLI's own install. Its entry must
 * export the provider as `default` or as `provider` — a `Provider` object, or a
 * function that returns one.
 */
export async function loadThirdPartyProviders(
  decls: readonly ProviderDecl[],
  cwd: string,
): Promise<Provider[]> {
  const providers: Provider[] = [];
  for (const decl of decls) {
    const source = decl.attrs.source;
    if (source === undefined) continue;
    if (typeof source !== 'string' || source === '') {
      throw new CliError(
        'BadArguments',
        `provider \`${decl.name}\`: \`source\` must be an npm package name`,
        {
          hint: 'e.g. source = "stratum-provider-motd"',
        },
      );
    }
    const provider = await importProvider(source, decl, cwd);
    if (provider.name !== decl.name) {
      throw new CliError(
        'BadArguments',
        `provider \`${decl.name}\`: package ${source} provides \`${provider.name}\`, not \`${decl.name}\``,
        { hint: `name the block provider "${provider.name}"` },
      );
    }
    providers.push(provider);
  }
  return providers;
}

/** The block's attrs as the provider's `configure` sees them (without `source`). */
export function providerSettings(decl: ProviderDecl): JsonObject {
  const { source: _source, ...rest } = decl.attrs;
  return rest;
}

async function importProvider(source: string, decl: ProviderDecl, cwd: string): Promise<Provider> {
  const from = decl.file ? dirname(decl.file) : cwd;
  let resolved: string;
  try {
    resolved = resolveFrom(from, source);
  } catch (cause) {
    throw new CliError('BadArguments', `provider \`${decl.name}\`: cannot find package ${source}`, {
      hint: `install it next to your config (npm install ${source}) or globally beside stratum`,
      cause,
    });
  }
  const module = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  const exported = module.default ?? module.provider;
  const candidate = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!isProvider(candidate)) {
    throw new CliError(
      'BadArguments',
      `provider \`${decl.name}\`: package ${source} does not export a provider`,
      {
        hint: 'its entry must export a Provider (or a function returning one) as `default` or `provider`',
      },
    );
  }
  return candidate;
}

/** Resolves from the config's directory first, then from where the CLI itself is installed. */
function resolveFrom(dir: string, specifier: string): string {
  try {
    return createRequire(join(dir, 'package.json')).resolve(specifier);
  } catch {
    return createRequire(import.meta.url).resolve(specifier);
  }
}

function isProvider(value: unknown): value is Provider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Provider).name === 'string' &&
    typeof (value as Provider).kinds === 'object'
  );
}
