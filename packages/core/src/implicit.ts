/**
 * The name prefix of the resources stratum adds to every host (swap, sshd
 * tuning; `@stratum/config` makes them). The spec defines them as data: the
 * planner puts them first, namespace mode keeps them in the shared state file,
 * and user resources may not take the prefix.
 */
export const IMPLICIT_PREFIX = '_stratum_';

/** True for the name of an implicit per-host resource. */
export function isImplicitName(name: string): boolean {
  return name.startsWith(IMPLICIT_PREFIX);
}
