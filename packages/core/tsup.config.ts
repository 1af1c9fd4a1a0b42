import { defineConfig } from 'tsup';
import { packageBuild, writeThirdPartyLicenses } from '../../tsup.shared.ts';

export default defineConfig({
  ...packageBuild(
    {
      index: 'src/index.ts',
      kit: 'src/kit/index.ts',
      test: 'src/test/index.ts',
      'node-version': 'src/node-version.ts',
      // The error base alone, for a program that must start without the engine (the CLI's --help).
      errors: 'src/errors.ts',
      // zod bundled into one module, the copy every stratum package imports (tsup.shared.ts).
      zod: 'src/zod.ts',
    },
    { bundlesZod: 'src/zod.ts' },
  ),
  onSuccess: async () => writeThirdPartyLicenses(['zod'], import.meta.dirname),
});
