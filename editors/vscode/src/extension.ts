import { type ExtensionContext, window, workspace } from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/**
 * Starts `stratum-language-server --stdio` (or the command in
 * `stratum.server.path`) for `.strat` documents. The server is installed
 * separately (`npm install -g @stratum/language-server`), so the extension
 * works with the server version that matches the user's stratum.
 */
export async function activate(context: ExtensionContext): Promise<void> {
  const settings = workspace.getConfiguration('stratum.server');
  const command = settings.get<string>('path') || 'stratum-language-server';
  const args = [...(settings.get<string[]>('args') ?? []), '--stdio'];
  const server: ServerOptions = { run: { command, args }, debug: { command, args } };
  const options: LanguageClientOptions = {
    documentSelector: [{ language: 'strat' }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher('**/*.strat') },
  };
  client = new LanguageClient('stratum', 'Stratum', server, options);
  try {
    await client.start();
  } catch (error) {
    void window.showErrorMessage(
      `Stratum: could not start \`${command} --stdio\` (${(error as Error).message}). ` +
        'Install it with `npm install -g @stratum/language-server`, or set `stratum.server.path`.',
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
