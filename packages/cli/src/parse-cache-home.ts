/**
 * Where the commands keep config files' syntax trees (parse-cache.ts), set
 * by the binary (start.ts); runs in-process (tests, tools calling `main`)
 * keep none. Apart from parse-cache.ts, so that a command that reads no
 * config (`--help`) does not load what keeping trees needs (node:crypto).
 */
let home: { readonly dir: string; readonly build: string } | undefined;

/** Makes the commands keep and take syntax trees in `dir`, valid for the stratum build `build`. */
export function useParseCache(dir: string, build: string): void {
  home = { dir, build };
}

export function parseCacheHome(): { readonly dir: string; readonly build: string } | undefined {
  return home;
}
