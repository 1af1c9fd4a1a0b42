import type { AttributeDoc, KindHandler, Registry } from '@stratum/core';

/** Every kind the registry routes, sorted, with its handler. */
export function allKinds(
  registry: Registry,
): { kind: string; provider: string; handler: KindHandler<unknown> }[] {
  return registry
    .providers()
    .flatMap((provider) =>
      Object.entries(provider.kinds).map(([kind, handler]) => ({ kind, provider: provider.name, handler })),
    )
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

/** `string, default "/"` / `list of strings, required`: an attribute in one line. */
export function attributeSummary(attribute: AttributeDoc): string {
  const parts = [attribute.type];
  if (attribute.default !== undefined) parts.push(`default ${JSON.stringify(attribute.default)}`);
  else if (attribute.required) parts.push('required');
  if (attribute.secret) parts.push('secret');
  return parts.join(', ');
}
