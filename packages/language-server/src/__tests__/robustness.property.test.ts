import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  HoverRequest,
} from 'vscode-languageserver-protocol';
import { LspClient } from './lsp-client';
import { messageText, tempWorkspace } from './workspace';

const SEED = `host "web" {
  addr = "127.0.0.1"
}
secret "t" {
  from_env = "LSP_ROBUST"
}
resource "system_file" "motd" {
  host    = host.web.addr
  path    = "/etc/motd"
  content = "\${secret.t.value} /* not a comment */"
  depends_on = ["system_file.motd"]
}
`;

/** Pieces users type (and half type), and characters that break lexers. */
const FRAGMENTS = [
  '{',
  '}',
  '"',
  '${',
  '[',
  ']',
  '=',
  '.',
  '\n',
  '#',
  '//',
  '/*',
  '*/',
  '\\',
  'host.',
  'secret.',
  'var.',
  'resource "',
  'system_',
  '\u0000',
  '\uFFFF',
  '😀',
  'ö',
  '\r\n',
  ' ',
  '123',
  '-1e9',
  'true',
];

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8 })),
});

/**
 * Random edits of a valid config, each followed by every request an editor
 * makes at a random position: the server answers all of them and stays up.
 */
describe('random edits never take the server down', () => {
  const ws = tempWorkspace();
  let client: LspClient;
  let uri: string;

  beforeAll(async () => {
    ({ client } = await LspClient.start(ws.dir));
    uri = await client.open(ws.write('stratum.strat', SEED), SEED);
    await client.diagnosticsFor(uri);
  });
  afterAll(async () => {
    await client?.stop();
    ws.dispose();
  });

  it('answers every request after any sequence of edits', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.nat(), async (edits, where) => {
        let text = SEED;
        for (const { at, remove, insert } of edits) {
          const offset = at % (text.length + 1);
          text = text.slice(0, offset) + insert + text.slice(offset + remove);
        }
        await client.change(uri, text);
        const diagnostics = await client.diagnosticsFor(uri);
        // Every problem is a user's: none is the server's own failure.
        expect(diagnostics.filter((d) => /internal error/.test(messageText(d)))).toEqual([]);
        const lines = text.split('\n');
        const line = where % lines.length;
        const position = { line, character: where % ((lines[line]?.length ?? 0) + 1) };
        const textDocument = { uri };
        const answers = await Promise.all([
          client.connection.sendRequest(CompletionRequest.type, { textDocument, position }),
          client.connection.sendRequest(HoverRequest.type, { textDocument, position }),
          client.connection.sendRequest(DefinitionRequest.type, { textDocument, position }),
          client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument }),
          client.connection.sendRequest(DocumentFormattingRequest.type, {
            textDocument,
            options: { tabSize: 2, insertSpaces: true },
          }),
        ]);
        expect(answers).toHaveLength(5);
        expect(client.exited).toBeUndefined();
        // A handler that failed logs it (and answers empty): none may.
        expect(client.logs).toEqual([]);
        expect(client.stderr.join('')).toBe('');
      }),
      { numRuns: 60 },
    );
    expect(client.exited).toBeUndefined();
  });
});
