/**
 * How a `ref` is checked out. A full 40-character lowercase hex SHA is pinned
 * with clone-then-checkout; anything else (a branch or a tag — short SHAs
 * included, which git then rejects as an unknown branch) goes through
 * `git clone --branch`.
 */
export type RefKind = 'sha' | 'name';

const FULL_SHA = /^[0-9a-f]{40}$/;

export function refKind(ref: string): RefKind {
  return FULL_SHA.test(ref) ? 'sha' : 'name';
}

/** True for a full 40-character lowercase hex SHA. */
export function isFullSha(value: string): boolean {
  return FULL_SHA.test(value);
}
