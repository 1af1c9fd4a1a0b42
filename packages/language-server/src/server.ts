import { fileURLToPath } from 'node:url';
import { type Connection, TextDocumentSyncKind, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyze } from './analyze';

/** What the server keeps per open document: its latest analysis (and the last one whose text parsed). */
export interface DocumentState {
  analysis: Analysis;
  /** The latest analysis with a syntax tree: completion and navigation keep working while a line is half typed. */
  parsed: Analysis | undefined;
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

  documents.listen(connection);
  connection.listen();
}

/** The file a document URI names; an unsaved (`untitled:`) document is read as if in the working directory. */
function pathOf(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  return `${process.cwd()}/untitled.strat`;
}
