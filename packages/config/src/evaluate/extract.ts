import type { Document } from '../ast';
import type { Extracted, LoadOptions } from '../extracted';
import { EvalContext, type SourceUnit, type UnitBlock } from './context';
import { evaluateHosts } from './hosts';
import { implicitResources } from './implicit-resources';
import { evaluateNamespaces } from './namespaces';
import { evaluateProviders } from './providers';
import { scopeResolver } from './references';
import { evaluateResources } from './resources';
import { evaluateSecrets } from './secrets';

/** A parsed document and the input it was parsed from. */
export interface ParsedUnit {
  unit: SourceUnit;
  document: Document;
}

type TopLevelKind = 'host' | 'secret' | 'namespace' | 'provider' | 'resource';
const TOP_LEVEL_KINDS: ReadonlySet<string> = new Set<TopLevelKind>([
  'host',
  'secret',
  'namespace',
  'provider',
  'resource',
]);

/**
 * Evaluates parsed documents as one: their blocks are concatenated in order,
 * then run through the passes hosts → secrets → namespaces → providers +
 * resources. References therefore cross files, and each block keeps its own
 * file's directory for relative paths.
 */
export function extract(parsed: readonly ParsedUnit[], options: LoadOptions, files: string[]): Extracted {
  const ctx = new EvalContext(parsed.map((p) => p.unit));
  const byKind = sortBlocks(parsed, ctx);
  const env = options.env ?? process.env;

  const hosts = evaluateHosts(byKind.host, ctx);
  const secrets = evaluateSecrets(byKind.secret, ctx, {
    env,
    homeDir: options.homeDir ?? nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE),
    allowUnresolved: options.allowUnresolvedSecrets === true,
  });
  const namespaces = evaluateNamespaces(byKind.namespace, ctx);

  const resolve = scopeResolver(
    { hosts: new Map(hosts.map((h) => [h.decl.name, h.decl.attrs])), secrets: secrets.values },
    ctx,
  );
  const providers = evaluateProviders(byKind.provider, resolve, ctx);
  const implicit = implicitResources(hosts);
  const declared = evaluateResources(byKind.resource, resolve, ctx);

  return {
    hosts: hosts.map((h) => h.decl),
    secrets: secrets.secrets,
    providers,
    resources: [...implicit, ...declared],
    namespaces,
    redaction: secrets.redaction,
    warnings: secrets.warnings,
    files,
  };
}

/** Groups top-level blocks by kind, keeping document order; an unknown kind is an error. */
function sortBlocks(parsed: readonly ParsedUnit[], ctx: EvalContext): Record<TopLevelKind, UnitBlock[]> {
  const byKind: Record<TopLevelKind, UnitBlock[]> = {
    host: [],
    secret: [],
    namespace: [],
    provider: [],
    resource: [],
  };
  for (const { unit, document } of parsed) {
    for (const block of document.blocks) {
      if (!TOP_LEVEL_KINDS.has(block.kind)) {
        throw ctx.error(
          'UnknownBlock',
          `unknown block kind \`${block.kind}\``,
          block.kindSpan,
          'top-level blocks are `host`, `secret`, `provider`, `resource` and `namespace`',
        );
      }
      byKind[block.kind as TopLevelKind].push({ block, unit });
    }
  }
  return byKind;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
