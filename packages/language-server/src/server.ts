import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Document, format } from '@stratum/config';
import {
  type Connection,
  type Diagnostic,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  TextDocuments,
  type TextEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyzeSet } from './analyze';
import { complete, instanceKeysOf } from './completion';
import { type ChosenSet, configSetOf, MANIFEST, withSiblings } from './config-set';
import { hoverAt } from './hover';
import { definitionAt, documentSymbols } from './navigation';
import { cursorContext } from './scan';

/** What the server keeps per open document: its latest analysis (and the last one whose text parsed). */
export interface DocumentState {
  analysis: Analysis;
  /** The latest analysis with a syntax tree: completion and navigation keep working while a line is half typed. */
  parsed: Analysis | undefined;
  /** The latest analysis whose config evaluated: its registry holds the declared third-party providers. */
  loaded: Analysis | undefined;
  /** The files the document was read with (absolute paths, its own included), and how they were chosen. */
  set: ChosenSet;
  /** The analysis's problems by the URI they are published to. */
  byUri: Map<string, Diagnostic[]>;
}

/**
 * Wires a connection: documents are analysed on open and on every change,
 * each with its config set (see {@link configSetOf} and {@link withSiblings}),
 * open buffers read before the disk. A change to a document, or to a watched
 * `.strat` file on disk, re-analyses every open document it may concern (the
 * newest inputs win; a stale analysis is dropped). A URI's published
 * diagnostics are the union of what every open document's analysis found in
 * that file. The features read the stored analyses. Each handler turns an
 * unexpected failure into an empty answer: bad input never takes the server down.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocumentState>();
  /** The latest analysis started per URI: one that finishes after a newer one started is dropped. */
  const latest = new Map<string, number>();
  let started = 0;
  /** What each URI was last sent, to send a file (open or not) only what changed. */
  const published = new Map<string, string>();
  let watchDynamically = false;

  connection.onInitialize((params) => {
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['.', '"'] },
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true,
      },
      serverInfo: { name: 'stratum-language-server' },
    };
  });
  connection.onInitialized(() => {
    // Edits to closed sibling files on disk; a client without dynamic registration uses its own (static) watcher.
    if (watchDynamically)
      connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.strat' }] })
        .catch((error: unknown) =>
          connection.console.error(`stratum: watching *.strat files failed: ${(error as Error).message}`),
        );
  });

  /** The open document at a path, if any (an open buffer is read before the disk). */
  const openAt = (path: string) =>
    documents.all().find((d) => d.uri.startsWith('file:') && pathOf(d.uri) === path);
  const read = (path: string): string | undefined => {
    const open = openAt(path);
    if (open) return open.getText();
    try {
      return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    } catch {
      return undefined;
    }
  };
  const uriOf = (path: string) => openAt(path)?.uri ?? pathToFileURL(path).href;
  /** The other `.strat` files of a directory: on disk, and open ones not yet saved. */
  const siblingsOf = (path: string) => {
    const dir = dirname(path);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.strat'));
    } catch {
      // A directory that cannot be listed has no siblings to offer.
    }
    const onDisk = names.map((name) => join(dir, name));
    const open = documents.all().flatMap((d) => (d.uri.startsWith('file:') ? [pathOf(d.uri)] : []));
    return [...new Set([...onDisk, ...open.filter((p) => dirname(p) === dir)])].filter((p) => p !== path);
  };

  /** Sends each URI the union of what the stored analyses found in it, if that changed (`always`: anyway). */
  const publish = (uris: Iterable<string>, always?: string) => {
    for (const uri of new Set(uris)) {
      const own = states.get(uri);
      const ordered = [...(own ? [own] : []), ...[...states.values()].filter((s) => s !== own)];
      const seen = new Set<string>();
      const diagnostics: Diagnostic[] = [];
      for (const state of ordered)
        for (const diagnostic of state.byUri.get(uri) ?? []) {
          const key = JSON.stringify(diagnostic);
          if (seen.has(key)) continue;
          seen.add(key);
          diagnostics.push(diagnostic);
        }
      const key = JSON.stringify(diagnostics);
      if (uri !== always && (published.get(uri) ?? '[]') === key) continue;
      published.set(uri, key);
      const version = documents.get(uri)?.version;
      void connection.sendDiagnostics({ uri, ...(version === undefined ? {} : { version }), diagnostics });
    }
  };

  const refresh = async (document: TextDocument) => {
    const run = ++started;
    latest.set(document.uri, run);
    const version = document.version;
    const { set, analysis } = await analyseDocument(document);
    const current = documents.get(document.uri);
    if (latest.get(document.uri) !== run || current === undefined || current.version !== version) return;
    const previous = states.get(document.uri);
    const byUri = new Map<string, Diagnostic[]>();
    for (const [path, found] of analysis.byFile)
      byUri.set(path === pathOf(document.uri) ? document.uri : uriOf(path), found);
    states.set(document.uri, {
      analysis,
      parsed: analysis.document ? analysis : previous?.parsed,
      loaded: analysis.extracted ? analysis : previous?.loaded,
      set,
      byUri,
    });
    publish([document.uri, ...(previous?.byUri.keys() ?? []), ...byUri.keys()], document.uri);
  };
  const analyseDocument = (document: TextDocument) => {
    const path = pathOf(document.uri);
    if (!document.uri.startsWith('file:')) {
      // An unsaved (`untitled:`) document has no directory of its own: it is read alone.
      const set: ChosenSet = {
        mode: 'bundle',
        cwd: dirname(path),
        files: [{ path, text: document.getText() }],
      };
      return analyzeSet(set, path).then((analysis) => ({ set, analysis }));
    }
    return withSiblings(
      path,
      configSetOf(path, read),
      () => siblingsOf(path),
      read,
      (set) => analyzeSet(set, path),
    );
  };
  const safely = (document: TextDocument) =>
    refresh(document).catch((error: unknown) =>
      connection.console.error(`stratum: analysing ${document.uri} failed: ${(error as Error).message}`),
    );
  /** Re-analyses the open documents (but `except`) a change to the file at `changed` may concern. */
  const refreshConcerned = (changed: string, except?: string) => {
    for (const document of documents.all()) {
      if (document.uri === except || !document.uri.startsWith('file:')) continue;
      const state = states.get(document.uri);
      if (state && concerns(changed, pathOf(document.uri), state)) void safely(document);
    }
  };

  /** An opened or edited document, and the open documents its buffer is read with. */
  const changed = (document: TextDocument) => {
    void safely(document);
    if (document.uri.startsWith('file:')) refreshConcerned(pathOf(document.uri), document.uri);
  };
  documents.onDidOpen((event) => changed(event.document));
  documents.onDidChangeContent((event) => changed(event.document));
  documents.onDidClose((event) => {
    const { uri } = event.document;
    const previous = states.get(uri);
    states.delete(uri);
    latest.delete(uri);
    publish([uri, ...(previous?.byUri.keys() ?? [])]);
    // The documents read with it now read the disk.
    if (uri.startsWith('file:')) refreshConcerned(pathOf(uri));
  });
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const change of changes) {
      if (!change.uri.startsWith('file:') || documents.get(change.uri)) continue;
      refreshConcerned(fileURLToPath(change.uri));
    }
  });

  /** Runs a feature over an open document's state; a failure is logged and answered with `fallback`. */
  const feature = <T, F>(
    uri: string,
    fallback: F,
    run: (document: TextDocument, state: DocumentState) => T,
  ): T | F => {
    const document = documents.get(uri);
    const state = states.get(uri);
    if (document === undefined || state === undefined) return fallback;
    try {
      return run(document, state);
    } catch (error) {
      connection.console.error(`stratum: ${uri}: ${(error as Error).stack ?? error}`);
      return fallback;
    }
  };

  connection.onCompletion(({ textDocument, position }) =>
    feature(textDocument.uri, [], (document, state) => {
      const extracted = state.loaded?.extracted;
      return complete({
        context: cursorContext(document.getText(), document.offsetAt(position)),
        document: state.analysis.document ?? state.parsed?.document,
        others: othersOf(state).map((o) => o.document),
        registry: (state.loaded ?? state.analysis).registry,
        hostFields: new Map((extracted?.hosts ?? []).map((h) => [h.name, Object.keys(h.attrs)])),
        instanceKeys: instanceKeysOf(extracted?.resources ?? []),
      });
    }),
  );
  connection.onHover(({ textDocument, position }) =>
    feature(textDocument.uri, null, (_, state) => {
      const parsed = state.analysis.document ? state.analysis : state.parsed;
      return parsed?.document
        ? (hoverAt(parsed.document, position, (state.loaded ?? state.analysis).registry) ?? null)
        : null;
    }),
  );
  connection.onDefinition(({ textDocument, position }) =>
    feature(textDocument.uri, null, (_, state) => {
      const document = state.analysis.document ?? state.parsed?.document;
      if (document === undefined) return null;
      const others = othersOf(state);
      const found = definitionAt(
        document,
        position,
        others.map((o) => o.document),
      );
      if (found === undefined) return null;
      return {
        uri: found.in === 0 ? textDocument.uri : uriOf(others[found.in - 1]!.path),
        range: found.range,
      };
    }),
  );
  connection.onDocumentSymbol(({ textDocument }) =>
    feature(textDocument.uri, [], (_, state) => {
      const document = state.analysis.document ?? state.parsed?.document;
      return document ? documentSymbols(document) : [];
    }),
  );
  connection.onDocumentFormatting(({ textDocument }) =>
    feature(textDocument.uri, [], (document): TextEdit[] => {
      const text = document.getText();
      let formatted: string;
      try {
        formatted = format(text, basename(textDocument.uri));
      } catch {
        // Text that does not parse is left as it is; its diagnostics already say why.
        return [];
      }
      if (formatted === text) return [];
      return [
        {
          range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) },
          newText: formatted,
        },
      ];
    }),
  );

  documents.listen(connection);
  connection.listen();
}

/** The syntax trees of the other files a document was last read with (from its last analysis that parsed). */
function othersOf(state: DocumentState): { path: string; document: Document }[] {
  return state.analysis.others.length > 0 || state.analysis.document
    ? state.analysis.others
    : (state.parsed?.others ?? []);
}

/**
 * Whether a change to the file at `changed` may change what the document at
 * `path` (last read with `state`) is read with or finds: a file of its set;
 * a sibling, when the document was read with siblings or lacks a name one
 * could declare; a manifest in its directory or above.
 */
function concerns(changed: string, path: string, state: DocumentState): boolean {
  if (state.set.files.some((f) => f.path === changed)) return true;
  // Another namespace's file: the cross-namespace check reads it.
  if (state.set.crossNamespace?.siblings.some((ns) => ns.files.some((f) => f.path === changed))) return true;
  if (state.set.mode === 'bundle' && dirname(changed) === dirname(path))
    return state.set.files.length > 1 || state.analysis.unknown !== undefined;
  return basename(changed) === MANIFEST && path.startsWith(dirname(changed) + sep);
}

/** The file a document URI names; an unsaved (`untitled:`) document is read as if in the working directory. */
function pathOf(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  return `${process.cwd()}/untitled.strat`;
}
