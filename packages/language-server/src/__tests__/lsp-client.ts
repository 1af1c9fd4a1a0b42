import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  type ClientCapabilities,
  type Diagnostic,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  type FileChangeType,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  LogMessageNotification,
  type MessageConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  type Registration,
  RegistrationRequest,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';

/** The built server, as an editor starts it. */
export const SERVER_BIN = resolve(import.meta.dirname, '../../dist/bin.js');
/** The built CLI, to compare the server's diagnostics with `stratum validate`'s. */
export const CLI_BIN = resolve(import.meta.dirname, '../../../cli/dist/bin.cjs');

/**
 * A real LSP client: spawns `stratum-language-server --stdio` and talks
 * JSON-RPC over its stdin/stdout, as an editor does. Diagnostics the server
 * publishes are collected per URI; {@link LspClient.diagnosticsFor} waits for
 * those of a given document version.
 */
export class LspClient {
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  readonly stderr: string[] = [];
  /** What the server logged through `window/logMessage` (its handlers' failures go there). */
  readonly logs: string[] = [];
  /** What the server registered through `client/registerCapability`. */
  readonly registrations: Registration[] = [];
  readonly #published = new Map<string, PublishDiagnosticsParams[]>();
  readonly #waiters: (() => void)[] = [];
  #versions = new Map<string, number>();
  exited: { code: number | null; signal: string | null } | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    this.connection = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const list = this.#published.get(params.uri) ?? [];
      list.push(params);
      this.#published.set(params.uri, list);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.connection.onRequest(RegistrationRequest.type, (params) => {
      this.registrations.push(...params.registrations);
    });
    this.connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(params.message);
    });
    this.connection.listen();
  }

  static async start(
    rootDir: string,
    capabilities: ClientCapabilities = {},
  ): Promise<{ client: LspClient; init: InitializeResult }> {
    if (!existsSync(SERVER_BIN))
      throw new Error(`${SERVER_BIN} is missing: run \`pnpm build\` in packages/language-server first`);
    const child = spawn(process.execPath, [SERVER_BIN, '--stdio'], {
      cwd: rootDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const client = new LspClient(child);
    const init = await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).href,
      capabilities,
      workspaceFolders: null,
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  /** Opens a document (version 1). */
  async open(path: string, text: string): Promise<string> {
    const uri = pathToFileURL(path).href;
    this.#versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'strat', version: 1, text },
    });
    return uri;
  }

  /** Replaces a document's whole text; returns its new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.#versions.get(uri) ?? 1) + 1;
    this.#versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
    return version;
  }

  /** The diagnostics published for `uri` at its current version (waits for them). */
  diagnosticsFor(uri: string, timeoutMs = 60_000): Promise<Diagnostic[]> {
    const version = this.#versions.get(uri);
    return this.#waitFor(
      () => (this.#published.get(uri) ?? []).find((p) => p.version === version)?.diagnostics,
      () => `no diagnostics for ${uri} v${version}`,
      timeoutMs,
    );
  }

  /** Waits (each publication wakes it) until `found` returns something. */
  async #waitFor<T>(found: () => T | undefined, missing: () => string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (this.exited)
        throw new Error(`server exited (${JSON.stringify(this.exited)}): ${this.stderr.join('')}`);
      if (Date.now() > deadline) throw new Error(missing());
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, 500);
      });
    }
  }

  /** Closes a document. */
  async close(uri: string): Promise<void> {
    this.#versions.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Tells the server files changed on disk, as the client's file watcher does. */
  async filesChanged(changes: { path: string; type: FileChangeType }[]): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: changes.map(({ path, type }) => ({ uri: pathToFileURL(path).href, type })),
    });
  }

  /**
   * Waits until the latest diagnostics published for `uri` (open or not)
   * satisfy `done`, and returns them: for a file whose diagnostics change
   * because another file did, so no document version says which publication
   * is the one to read.
   */
  diagnosticsUntil(
    uri: string,
    done: (diagnostics: Diagnostic[]) => boolean,
    timeoutMs = 60_000,
  ): Promise<Diagnostic[]> {
    const latest = () => this.#published.get(uri)?.at(-1)?.diagnostics;
    return this.#waitFor(
      () => {
        const diagnostics = latest();
        return diagnostics && done(diagnostics) ? diagnostics : undefined;
      },
      () => `diagnostics for ${uri} never matched; latest: ${JSON.stringify(latest())}`,
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
      await new Promise((done) => (this.exited ? done(undefined) : this.child.once('exit', done)));
    }
    this.connection.dispose();
  }
}
