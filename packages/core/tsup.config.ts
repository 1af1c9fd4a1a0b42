import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

export default defineConfig(
  packageBuild({
    index: 'src/index.ts',
    kit: 'src/kit/index.ts',
    test: 'src/test/index.ts',
    'node-version': 'src/node-version.ts',
  }),
);
