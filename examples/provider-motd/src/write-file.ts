import { shellQuote } from '@stratum/core/kit';

/**
 * Writes stdin to `path` with `mode`: into a temporary file beside it, then renamed over it, so
 * nobody ever reads half a file. (`cat`, not `install /dev/stdin`: stdin may be a socket.)
 */
export function writeFileCommand(path: string, mode: string): string {
  const tmp = shellQuote(`${path}.stratum-tmp`);
  return `umask 077 && cat > ${tmp} && chmod ${shellQuote(mode)} ${tmp} && mv -f -- ${tmp} ${shellQuote(path)}`;
}
