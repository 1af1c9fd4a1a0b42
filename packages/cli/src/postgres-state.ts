import type { State, StateBackend, StateHistory } from '@stratum/core';
import type { PostgresStateBackend, PostgresStateOptions } from '@stratum/state-postgres';

/**
 * The PostgreSQL backend, loaded on first use: `pg` is imported only by runs
 * whose state is a `postgres://` URL, so file-state runs start as fast as before.
 */
export function lazyPostgresBackend(
  url: string,
  options: PostgresStateOptions,
): StateBackend & {
  replace(state: State): Promise<void>;
  readonly history: StateHistory;
} {
  let loaded: Promise<PostgresStateBackend> | undefined;
  const backend = () => {
    loaded ??= import('@stratum/state-postgres').then((m) => m.postgresStateBackend(url, options));
    return loaded;
  };
  return {
    get location() {
      return locationOf(url, options.state);
    },
    read: async () => (await backend()).read(),
    lock: async (request) => (await backend()).lock(request),
    write: async (state, key) => (await backend()).write(state, key),
    // One transaction for the steps one vector write did, as the backend offers.
    writeMany: async (state, keys) => (await backend()).writeMany(state, keys),
    replace: async (state) => (await backend()).replace(state),
    history: {
      record: async (entry) => (await backend()).history.record(entry),
      list: async () => (await backend()).history.list(),
      show: async (id) => (await backend()).history.show(id),
    },
  };
}

/** The URL as messages show it, without loading the driver: no password, and the state's name. */
function locationOf(url: string, state: string | undefined): string {
  try {
    const shown = new URL(url);
    shown.password = '';
    if (!shown.searchParams.has('state')) shown.searchParams.set('state', state ?? 'default');
    return shown.href;
  } catch {
    return 'postgres://<invalid URL>';
  }
}
