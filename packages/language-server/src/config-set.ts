import { dirname, join, resolve } from 'node:path';
import { type Document, parse } from '@stratum/config';
import { type Analysis, type ConfigSet, declarationKey } from './analyze';

/** The manifest's name: where `stratum -n NAME` looks for the namespaces. */
export const MANIFEST = 'stratum.strat';

/** The text of a config file as the editor sees it: its open buffer, else the disk; undefined when neither has it. */
export type ReadText = (path: string) => string | undefined;

/** How a document's config set was chosen, for the server to know which changes concern it. */
export interface ChosenSet extends ConfigSet {
  /** `namespace`: a manifest lists the document; `bundle`: the document alone or with the siblings it needs. */
  mode: 'namespace' | 'bundle';
  namespace?: string | undefined;
}

/**
 * The set `stratum -n <namespace> validate` loads for a document a manifest
 * lists: the manifest in the document's directory or the nearest ancestor
 * that declares a `namespace` whose `configs` include it (the first such
 * namespace), then that namespace's configs in order, paths relative to the
 * manifest's directory. Otherwise the document alone, as `validate -c <file>`.
 */
export function configSetOf(path: string, read: ReadText): ChosenSet {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const manifest = join(dir, MANIFEST);
    const declared = manifest === path ? [] : namespacesOf(manifest, read);
    const namespace = declared.find((ns) => ns.configs.includes(path));
    if (namespace) {
      const filesOf = (configs: readonly string[]) =>
        [manifest, ...configs.filter((c) => c !== manifest)].map((c) => ({ path: c, text: read(c) }));
      const siblings = declared
        .filter((ns) => ns.name !== namespace.name)
        .map((ns) => ({ name: ns.name, files: filesOf(ns.configs) }));
      return {
        mode: 'namespace',
        namespace: namespace.name,
        cwd: dir,
        files: filesOf(namespace.configs),
        crossNamespace: { namespace: namespace.name, manifest, siblings },
      };
    }
    if (dirname(dir) === dir) break;
  }
  return { mode: 'bundle', cwd: dirname(path), files: [{ path, text: read(path) }] };
}

/**
 * The `namespace` blocks of a manifest, read from its syntax tree: their
 * bodies hold string literals only, so this needs no evaluation (and still
 * works while another part of the manifest does not evaluate).
 */
function namespacesOf(manifest: string, read: ReadText): { name: string; configs: string[] }[] {
  const document = parseQuietly(manifest, read);
  if (document === undefined) return [];
  return document.blocks.flatMap((block) => {
    const name = block.labels[0]?.value;
    if (block.kind !== 'namespace' || name === undefined) return [];
    const configs = block.body.find((item) => item.type === 'attribute' && item.name === 'configs');
    if (configs?.type !== 'attribute' || configs.value.type !== 'list') return [];
    const paths = configs.value.items.flatMap((item) =>
      item.type === 'string' ? [resolve(dirname(manifest), item.value)] : [],
    );
    return [{ name, configs: paths }];
  });
}

function parseQuietly(path: string, read: ReadText): Document | undefined {
  const text = read(path);
  if (text === undefined) return undefined;
  try {
    return parse(text, path);
  } catch {
    return undefined;
  }
}

/**
 * A document read alone that references a name it does not declare is read
 * again with the sibling `.strat` file (of its directory, by name) that
 * declares it, and so on while names are missing, as `validate -c` with those
 * files would read them (all in name order). Only the siblings that declare
 * a missing name join: unrelated configs of one directory are not read
 * together, so they do not report each other's duplicates.
 *
 * `siblings` lists the other `.strat` paths of the document's directory
 * (called, and the siblings read, only when a name is missing).
 */
export async function withSiblings(
  path: string,
  chosen: ChosenSet,
  siblings: () => readonly string[],
  read: ReadText,
  analyse: (set: ChosenSet) => Promise<Analysis>,
): Promise<{ set: ChosenSet; analysis: Analysis }> {
  let set = chosen;
  let analysis = await analyse(set);
  if (chosen.mode !== 'bundle' || analysis.unknown === undefined) return { set, analysis };
  const candidates = [...siblings()]
    .sort()
    .map((sibling) => ({ path: sibling, declares: declarationsOf(sibling, read) }));
  const joined = new Set<string>([path]);
  for (;;) {
    const missing = analysis.unknown;
    const next = missing && candidates.find((c) => !joined.has(c.path) && c.declares.has(missing));
    if (!next) return { set, analysis };
    joined.add(next.path);
    set = { ...chosen, files: [...joined].sort().map((p) => ({ path: p, text: read(p) })) };
    analysis = await analyse(set);
  }
}

/** The names a file declares, keyed as {@link declarationKey} (none when it does not parse). */
function declarationsOf(path: string, read: ReadText): Set<string> {
  const document = parseQuietly(path, read);
  return new Set((document?.blocks ?? []).flatMap((block) => declarationKey(block) ?? []));
}
