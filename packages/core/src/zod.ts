/**
 * zod, as every stratum package loads it at run time: this entry is built into
 * one file (`@stratum/core/zod`), and the other packages' builds point their
 * `zod` imports here (tsup.shared.ts), so a start loads one module instead of
 * zod's ~95 and core and the providers share one copy. Code and types still
 * import `zod`; a third-party provider may do either.
 */
export * from 'zod';
export { default } from 'zod';
