/**
 * `import(specifier)` for the modules the CLI loads by URL at run time (a
 * third-party provider's package). In the program bundle (dist/stratum.cjs)
 * the build turns `import()` into `require()` (a script compiled through
 * `node:vm`, as it is, cannot `import()` without an experimental loader), so
 * start.ts, in the bin (dist/bin.cjs), hands it its own. From the ES modules (the library
 * entry, tests) this default is already the real one.
 */
let importModule: (specifier: string) => Promise<unknown> = (specifier) => import(specifier);

export function importByUrl(specifier: string): Promise<unknown> {
  return importModule(specifier);
}

/** Makes {@link importByUrl} use `importer`. */
export function setImportModule(importer: (specifier: string) => Promise<unknown>): void {
  importModule = importer;
}
