/**
 * `z.locales` as `@stratum/core/zod` carries it: English only. zod's other
 * translations are about half of zod's code (360 of 760 KB bundled), and
 * every start of the CLI read and compiled them while stratum's messages are
 * English. core's build puts this module where zod's bundle would take its
 * `locales/index.js` (tsup.shared.ts); the same `en.js` module zod registers
 * as its default, so `z.locales.en()` is what zod uses anyway. A provider
 * that wants another language imports `zod` itself.
 */
export { default as en } from 'zod/v4/locales/en.js';
