/**
 * Lets plain Node import the testkit's TypeScript source, whose relative imports
 * carry no extension (vitest resolves them; Node does not). Node strips the
 * types itself; this hook only adds the `.ts` Node will not guess.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && !/\.[cm]?[jt]s$/.test(specifier)) {
        return nextResolve(`${specifier}.ts`, context);
      }
      throw err;
    }
  },
});
