import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient } from './lsp-client';
import { validateWithCli } from './validate-cli';
import { listedText, tempWorkspace } from './workspace';

const HOST = 'host "web" {\n  addr = "127.0.0.1"\n}\n';

/**
 * Each broken document is opened in a real client talking to the built
 * server over stdio; what the server publishes must be what the built
 * `stratum validate -c <file>` prints for the same file: the same problems,
 * codes, positions and messages.
 */
const BROKEN: Record<string, string> = {
  syntax: `${HOST}resource "system_file" "motd" {\n  path = "/etc/motd\n}\n`,
  'unknown host': `${HOST}resource "system_file" "motd" {\n  host = host.db.addr\n  path = "/etc/motd"\n  content = "hi"\n}\n`,
  'unknown host field': `${HOST}resource "system_file" "motd" {\n  host = host.web.name\n  path = "/etc/motd"\n  content = "hi"\n}\n`,
  'duplicate resource': `${HOST}resource "system_file" "motd" {\n  host = host.web.addr\n  path = "/a"\n  content = "a"\n}\nresource "system_file" "motd" {\n  host = host.web.addr\n  path = "/b"\n  content = "b"\n}\n`,
  'unknown block': `${HOST}resorce "system_file" "motd" {\n}\n`,
  'unknown kind': `${HOST}resource "system_fil" "motd" {\n  host = host.web.addr\n}\n`,
  'attribute schema': `${HOST}resource "system_file" "motd" {\n  host   = host.web.addr\n  path   = "/etc/motd"\n  contnt = "hi"\n}\nresource "system_file" "two" {\n  host = host.web.addr\n  path = 3\n}\n`,
  'secret placement': `${HOST}secret "token" {\n  from_env = "LSP_TEST_TOKEN"\n}\nresource "system_file" "motd" {\n  host = host.web.addr\n  path = secret.token.value\n  content = "hi"\n}\n`,
  'unknown dependency': `${HOST}resource "system_file" "motd" {\n  host = host.web.addr\n  path = "/etc/motd"\n  content = "hi"\n  depends_on = ["system_file.nope"]\n}\n`,
};

describe('diagnostics over a real LSP client', () => {
  const ws = tempWorkspace();
  let client: LspClient;

  beforeAll(async () => {
    // Both the server and the CLI read it: a secret that resolves, so its placement is what is checked.
    process.env.LSP_TEST_TOKEN = 'lsp-test-token-value';
    ({ client } = await LspClient.start(ws.dir));
  });
  afterAll(async () => {
    await client?.stop();
    ws.dispose();
  });

  it('answers initialize with its capabilities', async () => {
    const { client: other, init } = await LspClient.start(ws.dir);
    await other.stop();
    expect(init.serverInfo?.name).toBe('stratum-language-server');
    expect(init.capabilities.textDocumentSync).toBeDefined();
  });

  for (const [name, text] of Object.entries(BROKEN)) {
    it(`${name}: the same problems as \`stratum validate\`, each with a range`, async () => {
      const path = ws.write(`${name.replace(/ /g, '-')}.strat`, text);
      const uri = await client.open(path, text);
      const diagnostics = await client.diagnosticsFor(uri);
      const reported = await validateWithCli(path);
      expect(reported.length).toBeGreaterThan(0);
      const listed = reported.some((r) => r.code === undefined);
      const placed = reported.every((r) => r.line > 0);
      const ours = diagnostics.map((d) => ({
        line: placed ? d.range.start.line + 1 : 0,
        column: placed ? d.range.start.character + 1 : 0,
        code: listed ? undefined : d.code,
        text: listedText(d, listed),
      }));
      expect(ours).toEqual(reported);
      if (!placed) {
        // Where the CLI names resources only, the server marks the block of the first one it names.
        const named = /`(\w+)\.(\w+)`/.exec(reported[0]!.text)!;
        const line = text.split('\n').findIndex((l) => l.startsWith(`resource "${named[1]}" "${named[2]}"`));
        expect(diagnostics[0]!.range.start).toEqual({ line, character: 0 });
      }
      if (name === 'secret placement') {
        // The whole reference is marked, not just `secret`.
        const ref = diagnostics.find((d) => d.code === 'SecretInUnsupportedAttr')!;
        expect(ref.range.end.character - ref.range.start.character).toBe('secret.token.value'.length);
      }
      for (const d of diagnostics) {
        expect(d.code).toEqual(expect.any(String));
        expect(d.source).toBe('stratum');
        const { start, end } = d.range;
        expect(end.line > start.line || end.character > start.character).toBe(true);
      }
    });
  }

  it('clears the diagnostics when the document is fixed', async () => {
    const path = ws.write('fixed.strat', BROKEN['unknown host']!);
    const uri = await client.open(path, BROKEN['unknown host']!);
    expect(await client.diagnosticsFor(uri)).toHaveLength(1);
    await client.change(uri, BROKEN['unknown host']!.replace('host.db', 'host.web'));
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });
});
