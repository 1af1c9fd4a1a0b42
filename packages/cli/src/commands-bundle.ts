import type { CliIo } from './io';

export { setImportModule } from './import-module';

/**
 * Every command's implementation, each module loaded on the command's first
 * call. The built CLI runs this file as one CommonJS bundle with the engine,
 * the parser, the providers and their dependencies in it (dist/commands.cjs,
 * run through code-cache.ts); from source (tests) it is imported as it is.
 * The literal `import()`s keep each command's modules lazy inside the bundle:
 * `fmt` does not run the providers' modules, `plan` does not run ssh2's.
 */
export const commands = {
  runApply: lazy(() => import('./run/apply'), 'runApply'),
  runFmt: lazy(() => import('./run/fmt'), 'runFmt'),
  runGraph: lazy(() => import('./run/graph'), 'runGraph'),
  runImport: lazy(() => import('./run/import'), 'runImport'),
  runPlan: lazy(() => import('./run/plan'), 'runPlan'),
  runStateHistory: lazy(() => import('./run/surgery'), 'runStateHistory'),
  runStateList: lazy(() => import('./run/state'), 'runStateList'),
  runStateMerge: lazy(() => import('./run/state'), 'runStateMerge'),
  runStateMv: lazy(() => import('./run/surgery'), 'runStateMv'),
  runStatePull: lazy(() => import('./run/state-transfer'), 'runStatePull'),
  runStatePush: lazy(() => import('./run/state-transfer'), 'runStatePush'),
  runStateRm: lazy(() => import('./run/surgery'), 'runStateRm'),
  runStateShow: lazy(() => import('./run/state'), 'runStateShow'),
  runStateUnlock: lazy(() => import('./run/state-unlock'), 'runStateUnlock'),
  runStatus: lazy(() => import('./run/status'), 'runStatus'),
  runValidate: lazy(() => import('./run/validate'), 'runValidate'),
};

export type Commands = typeof commands;

/** A command of module `load()`'s export `name`, loading the module when called. */
function lazy<M extends Record<K, (flags: never, io: CliIo) => Promise<number>>, K extends keyof M>(
  load: () => Promise<M>,
  name: K,
): M[K] {
  return (async (flags: never, io: CliIo) => (await load())[name](flags, io)) as M[K];
}
