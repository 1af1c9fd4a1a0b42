import type { Options } from 'tsup';

/**
 * The one build shape every publishable package shares: ESM + CJS + .d.ts,
 * dependencies left external (so two packages never carry two copies of core).
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    // Typecheck resolves sibling packages to their sources (tsconfig `paths`);
    // declaration bundles must instead reference the published packages, so the
    // paths are dropped here and `@stratum/*` stays an external import.
    dts: { compilerOptions: { paths: {} } },
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    splitting: false,
  };
}
