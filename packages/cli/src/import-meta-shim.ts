// Injected into dist/stratum.cjs (tsup.config.ts): CommonJS has no
// `import.meta`, so the bundle's `import.meta.url` reads this instead, the
// bundle file's own URL (code-cache.ts passes the file as `__filename`).
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
