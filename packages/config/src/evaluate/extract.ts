import type { Document } from '../ast';
import type { Extracted, LoadOptions } from '../extracted';
import { EvalContext, type SourceUnit, type UnitBlock } from './context';
import { evaluateGroups } from './groups';
import { evaluateHosts } from './hosts';
import { implicitResources } from './implicit-resources';
import { evaluateNamespaces } from './namespaces';
import { evaluateProviders } from './providers';
import { type Scope, scopeResolver } from './references';
import { evaluateResources } from './resources';
import { evaluateSecrets } from './secrets';
import { evaluateVariables } from './variables';

/** A parsed document and the input it was parsed from. */
export interface ParsedUnit {
  unit: SourceUnit;
  document: Document;
}

type TopLevelKind = 'variable' | 'host' | 'group' | 'secret' | 'namespace' | 'provider' | 'resource';
const TOP_LEVEL_KINDS: ReadonlySet<string> = new Set<TopLevelKind>([
  'variable',
  'host',
  'group',
  'secret',
  'namespace',
  'provider',
  'resource',
]);

/**
 * Evaluates parsed documents as one: their blocks are concatenated in order,
 * then run through the passes variables → hosts → groups → secrets →
 * namespaces → providers + resources. References therefore cross files, and each block keeps its own
 * file's directory for relative paths.
 */
export function extract(parsed: readonly ParsedUnit[], options: LoadOptions, files: string[]): Extracted {
  const ctx = new EvalContext(parsed.map((p) => p.unit));
  const byKind = sortBlocks(parsed, ctx);
  const env = options.env ?? process.env;

  const variables = evaluateVariables(
    byKind.variable,
    {
      values: options.variables,
      args: options.varArgs ?? [],
      files: options.varFiles ?? [],
      env,
      ignoreUndeclared: options.ignoreUndeclaredVariables === true,
    },
    ctx,
  );
  const hosts = evaluateHosts(byKind.host, variables.values, ctx);
  const hostAttrs = new Map(hosts.map((h) => [h.decl.name, h.decl.attrs]));
  const groups = evaluateGroups(byKind.group, hostAttrs, ctx);
  const secrets = evaluateSecrets(byKind.secret, variables.values, ctx, {
    env,
    homeDir: options.homeDir ?? nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE),
    allowUnresolved: options.allowUnresolvedSecrets === true,
  });
  const namespaces = evaluateNamespaces(byKind.namespace, ctx);

  const scope: Scope = { hosts: hostAttrs, secrets: secrets.values, vars: variables.values };
  const providers = evaluateProviders(byKind.provider, scopeResolver(scope, ctx), ctx);
  const implicit = implicitResources(hosts);
  const declared = evaluateResources(byKind.resource, scope, new Map(groups.map((g) => [g.name, g])), ctx);

  return {
    hosts: hosts.map((h) => h.decl),
    secrets: secrets.secrets,
    providers,
    resources: [...implicit, ...declared],
    namespaces,
    variables: variables.decls,
    groups,
    redaction: secrets.redaction,
    warnings: secrets.warnings,
    files,
  };
}

/** Groups top-level blocks by kind, keeping document order; an unknown kind is an error. */
function sortBlocks(parsed: readonly ParsedUnit[], ctx: EvalContext): Record<TopLevelKind, UnitBlock[]> {
  const byKind: Record<TopLevelKind, UnitBlock[]> = {
    variable: [],
    host: [],
    group: [],
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
          'top-level blocks are `variable`, `host`, `group`, `secret`, `provider`, `resource` and `namespace`',
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
