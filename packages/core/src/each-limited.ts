/**
 * Runs `work` for every item, at most `limit` at a time, in the items' order
 * of starting; resolves when all are done. `work` should not reject (each
 * caller records its own failures); if one does, the first rejection is
 * thrown after every started item settled.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (failed !== undefined) throw failed.error;
}

/** How many hosts an engine works on at once unless told otherwise: enough for a fleet, few enough for one machine's CPU to connect to. */
export const DEFAULT_PARALLELISM = 64;
