import type { Options } from 'tsup';

/**
 * The one build shape every publishable package shares: ESM + CJS + .d.ts,
 * dependencies left external (so two packages never carry two copies of core).
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    splitting: false,
  };
}
