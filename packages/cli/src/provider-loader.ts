import { dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProviderDecl } from '@stratum/config';
import { PROVIDER_SOURCE_ATTR, type Provider } from '@stratum/core';
import { CliError } from './errors';
import { importByUrl } from './import-module';

/**
 * Third-party providers: `provider "<name>" { source = "<npm package>" }`
 * loads a package built against `@stratum/core`.
 *
 * Where the package is looked for, in order: the directory of the config file
 * that declares the block (a project pins its providers in its own
 * package.json), the working directory, then beside the CLI itself (a provider
 * installed globally next to a globally installed stratum). Resolution is
 * Node's own ESM resolution with `import` conditions, so packages whose
 * `exports` offer only `import` load as well as CommonJS ones.
 *
 * The package's entry must export the provider as `default` or as `provider`
 * — a `Provider` object, or a function returning one.
 */
export async function loadThirdPartyProviders(
  decls: readonly ProviderDecl[],
  cwd: string,
): Promise<Provider[]> {
  const providers: Provider[] = [];
  for (const decl of decls) {
    const source = decl.attrs[PROVIDER_SOURCE_ATTR];
    if (source === undefined) continue;
    if (typeof source !== 'string' || source.trim() === '') {
      throw new CliError(
        'BadArguments',
        `${where(decl, cwd)}provider \`${decl.name}\`: \`source\` must be an npm package name`,
        { hint: 'e.g. source = "stratum-provider-motd"' },
      );
    }
    const provider = await importProvider(source, decl, cwd);
    if (provider.name !== decl.name) {
      throw new CliError(
        'BadArguments',
        `${where(decl, cwd)}provider \`${decl.name}\`: package ${source} provides \`${provider.name}\`, not \`${decl.name}\``,
        { hint: `name the block provider "${provider.name}"` },
      );
    }
    providers.push(provider);
  }
  return providers;
}

/** The directories a provider package is looked for from, in order, without repeats. */
export function searchDirs(decl: ProviderDecl, cwd: string, cliDir: string): string[] {
  const dirs = [...(decl.file === undefined ? [] : [dirname(resolvePath(cwd, decl.file))]), cwd, cliDir];
  return [...new Set(dirs)];
}

/** Where the CLI's own code lives: a package installed beside it resolves from here. */
const CLI_DIR = dirname(fileURLToPath(import.meta.url));

async function importProvider(source: string, decl: ProviderDecl, cwd: string): Promise<Provider> {
  const dirs = searchDirs(decl, cwd, CLI_DIR);
  // Loaded here, not at the top: only a config naming a provider package pays
  // for it (with the node:assert, node:v8 and node:util it brings), not every run.
  const { resolve: resolveImport } = await import('import-meta-resolve');
  const url = resolveFirst(source, dirs, resolveImport);
  if (url === undefined) {
    throw new CliError(
      'BadArguments',
      `${where(decl, cwd)}provider \`${decl.name}\`: cannot find package ${source}`,
      {
        details: ['looked in:', ...dirs.map((dir) => `  - ${dir}`)],
        hint: `install it next to your config (npm install ${source}), or globally beside stratum (npm install -g ${source})`,
      },
    );
  }
  let module: Record<string, unknown>;
  try {
    module = (await importByUrl(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new CliError(
      'BadArguments',
      `${where(decl, cwd)}provider \`${decl.name}\`: package ${source} failed to load: ${(cause as Error).message}`,
      { hint: 'check that the package is built and that its dependencies are installed', cause },
    );
  }
  const exported = module.default ?? module.provider;
  const candidate = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!isProvider(candidate)) {
    const names = Object.keys(module).filter((key) => key !== 'default');
    throw new CliError(
      'BadArguments',
      `${where(decl, cwd)}provider \`${decl.name}\`: package ${source} does not export a provider as \`default\` or \`provider\``,
      {
        details: names.length === 0 ? [] : [`its exports: ${names.join(', ')}`],
        hint: 'export the Provider (or a function returning one) as `default` or as `provider`',
      },
    );
  }
  return candidate;
}

/** The file URL `specifier` resolves to from the first directory that has it. */
function resolveFirst(
  specifier: string,
  dirs: readonly string[],
  resolveImport: (specifier: string, parent: string) => string,
): string | undefined {
  for (const dir of dirs) {
    try {
      return resolveImport(specifier, pathToFileURL(`${dir}/`).href);
    } catch {
      // Not there; try the next place.
    }
  }
  return undefined;
}

/** `stratum.strat:3:1: ` for messages about a block, as the user would recognise the path. */
function where(decl: ProviderDecl, cwd: string): string {
  const at = decl.source?.block;
  if (at === undefined || decl.file === undefined) return '';
  const file = decl.file.startsWith('/') ? decl.file : resolvePath(cwd, decl.file);
  const shown = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
  return `${shown}:${at.line}:${at.column}: `;
}

function isProvider(value: unknown): value is Provider {
  if (typeof value !== 'object' || value === null) return false;
  const { name, kinds } = value as Partial<Provider>;
  return typeof name === 'string' && typeof kinds === 'object' && kinds !== null;
}
