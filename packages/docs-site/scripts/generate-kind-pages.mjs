// Writes one reference page per kind, plus the bare attribute table the
// hand-written provider pages include, from `kindDocs` over the built
// providers: the kinds' zod schemas are the one source of these tables (the
// language server's hover reads the same). Also serves the JSON Schemas the CLI
// ships (schemas/*.schema.json: the state file, `plan --json`, ...), each
// generated from a zod schema and committed there. Output is generated, not committed.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindDocs, Registry } from '@stratum/core';
import { createDockerProvider } from '@stratum/provider-docker';
import { createGitProvider } from '@stratum/provider-git';
import { createSshProvider } from '@stratum/provider-ssh';
import { createSystemProvider } from '@stratum/provider-system';

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs');

export function builtinRegistry() {
  return new Registry([
    createSystemProvider(),
    createSshProvider(),
    createDockerProvider(),
    createGitProvider(),
  ]);
}

function cell(text) {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The attribute table of one kind, as markdown. */
export function attributeTable(doc) {
  const rows = doc.attributes.map((a) =>
    [
      `\`${a.name}\``,
      cell(a.type),
      a.required ? 'yes' : 'no',
      a.default === undefined ? '' : `\`${cell(JSON.stringify(a.default))}\``,
      a.secret ? 'yes' : '',
      cell(a.description ?? ''),
    ].join(' | '),
  );
  return [
    '| attribute | type | required | default | secret | description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}

/** The values a kind computes at apply, which references read as known after apply; nothing when it has none. */
export function outputsSection(doc) {
  if (doc.outputs.length === 0) return [];
  return [
    '## Computed at apply',
    '',
    `Another resource may read these (\`${doc.kind}.<name>.<output>\`); until the resource has applied, plans show the value as \`(known after apply)\`. See [references between resources](../evaluation.md#references-between-resources).`,
    '',
    '| output | description |',
    '| --- | --- |',
    ...doc.outputs.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`),
    '',
  ];
}

/** A kind's reference page: summary, attribute table, computed outputs, link to its provider's guide. */
export function kindPage(doc, provider) {
  return [
    `# \`${doc.kind}\``,
    '',
    doc.summary,
    '',
    '## Attributes',
    '',
    attributeTable(doc),
    ...outputsSection(doc),
    `Provider: [\`${provider}\`](../providers/${provider}.md#${doc.kind.replaceAll('_', '-')}) — examples, state, reads and errors.`,
    '',
  ].join('\n');
}

export function generate(outDir = docsDir) {
  const kindsDir = resolve(outDir, 'reference/kinds');
  rmSync(kindsDir, { recursive: true, force: true });
  mkdirSync(resolve(kindsDir, '_tables'), { recursive: true });
  const registry = builtinRegistry();
  const kinds = registry.kinds();
  for (const kind of kinds) {
    const { provider, handler } = registry.forKind(kind);
    const doc = kindDocs(kind, handler);
    writeFileSync(resolve(kindsDir, `${kind}.md`), kindPage(doc, provider.name));
    writeFileSync(resolve(kindsDir, '_tables', `${kind}.md`), attributeTable(doc));
  }
  writeFileSync(
    resolve(kindsDir, 'index.md'),
    [
      '# Kinds',
      '',
      'Every built-in kind, generated from its schema.',
      '',
      ...kinds.map((k) => `- [\`${k}\`](./${k}.md)`),
      '',
    ].join('\n'),
  );
  const schemasDir = resolve(outDir, 'public/schemas');
  mkdirSync(schemasDir, { recursive: true });
  const shipped = resolve(docsDir, '../packages/cli/schemas');
  for (const name of readdirSync(shipped).filter((file) => file.endsWith('.schema.json'))) {
    copyFileSync(resolve(shipped, name), resolve(schemasDir, name));
  }
  return kinds;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kinds = generate();
  console.log(`docs: ${kinds.length} kind pages written`);
}
