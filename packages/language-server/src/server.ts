import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from '@stratum/config';
import { type Connection, TextDocumentSyncKind, TextDocuments, type TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyze } from './analyze';
import { complete, instanceKeysOf } from './completion';
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
}

/**
 * Wires a connection: documents are analysed on open and on every change
 * (the newest text wins; a stale analysis is dropped), and the features read
 * the stored analyses. Each handler turns an unexpected failure into an empty
 * answer: bad input never takes the server down.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocumentState>();
  const versions = new Map<string, number>();

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['.', '"'] },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      documentFormattingProvider: true,
    },
    serverInfo: { name: 'stratum-language-server' },
  }));

  const refresh = async (document: TextDocument) => {
    versions.set(document.uri, document.version);
    const analysis = await analyze(document.getText(), pathOf(document.uri));
    if (versions.get(document.uri) !== document.version) return;
    const previous = states.get(document.uri);
    states.set(document.uri, {
      analysis,
      parsed: analysis.document ? analysis : previous?.parsed,
      loaded: analysis.extracted ? analysis : previous?.loaded,
    });
    await connection.sendDiagnostics({
      uri: document.uri,
      version: document.version,
      diagnostics: analysis.diagnostics,
    });
  };
  const safely = (document: TextDocument) =>
    refresh(document).catch((error: unknown) =>
      connection.console.error(`stratum: analysing ${document.uri} failed: ${(error as Error).message}`),
    );

  documents.onDidOpen((event) => void safely(event.document));
  documents.onDidChangeContent((event) => void safely(event.document));
  documents.onDidClose((event) => {
    states.delete(event.document.uri);
    versions.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
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
      const range = document ? definitionAt(document, position) : undefined;
      return range ? { uri: textDocument.uri, range } : null;
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

/** The file a document URI names; an unsaved (`untitled:`) document is read as if in the working directory. */
function pathOf(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  return `${process.cwd()}/untitled.strat`;
}
