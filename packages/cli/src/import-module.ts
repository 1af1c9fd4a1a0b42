/**
 * `import(specifier)` for the modules the CLI loads by URL at run time (a
 * third-party provider's package). In the program bundles the build turns
 * `import()` into `require()` (a script compiled through `node:vm`, as they
 * are, cannot `import()` without an experimental loader), so an ES module
 * hands them its own: start.ts to the front bundle, which hands it on to the
 * commands bundle (commands-loader.ts). From the ES modules (the library
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
