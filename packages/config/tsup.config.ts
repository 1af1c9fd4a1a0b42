import { defineConfig } from 'tsup';
import { packageBuild, writeThirdPartyLicenses } from '../../tsup.shared.ts';

export default defineConfig({
  ...packageBuild(),
  // chevrotain is ~55 ES modules, each a resolve, a stat, a read and a compile
  // for Node at every start; bundled, the parser loads as part of this one file.
  // Only this package uses it, and none of its types are in ours.
  noExternal: ['zod', 'chevrotain', /^@chevrotain\//],
  onSuccess: async () => writeThirdPartyLicenses(['chevrotain'], import.meta.dirname),
});
