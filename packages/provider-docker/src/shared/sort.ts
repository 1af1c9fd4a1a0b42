/**
 * Orders strings by Unicode code point — the order the state file uses for
 * keys — so sorted flags read the same as `stratum state show`.
 */
export function compareKeysByCodePoint(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const pa = ca[i]!.codePointAt(0)!;
    const pb = cb[i]!.codePointAt(0)!;
    if (pa !== pb) return pa - pb;
  }
  return ca.length - cb.length;
}
