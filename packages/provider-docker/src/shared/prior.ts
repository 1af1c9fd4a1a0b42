import { DockerError } from './errors';
import { stringField } from './schema-parts';

/** The host state recorded for a resource; an entry without one cannot be acted on. */
export function requirePriorHost(kind: string, resource: string, prior: unknown): string {
  const host = stringField(prior, 'host');
  if (host !== undefined && host !== '') return host;
  throw new DockerError('DockerInvalidAttribute', `${kind} \`${resource}\`: state records no \`host\``, {
    kind,
    resource,
    hint: `inspect the entry with \`stratum state show ${kind}.${resource}\``,
  });
}
