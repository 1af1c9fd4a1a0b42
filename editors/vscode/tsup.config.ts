import { defineConfig } from 'tsup';

// VS Code loads an extension with `require`, and a .vsix carries no node_modules
// (`vsce package --no-dependencies`): the client library is bundled in, `vscode`
// is the editor's own module.
export default defineConfig({
  entry: { extension: 'src/extension.ts' },
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  noExternal: ['vscode-languageclient'],
  clean: true,
  sourcemap: false,
  minify: true,
});
