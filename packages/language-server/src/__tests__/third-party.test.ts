import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompletionItem, CompletionRequest } from 'vscode-languageserver-protocol';
import { LspClient } from './lsp-client';
import { validateWithCli } from './validate-cli';
import { listedText, messageText, tempWorkspace } from './workspace';

/** The repository's example third-party provider (`stratum-provider-motd`), built by `pnpm build`. */
const EXAMPLE = resolve(import.meta.dirname, '../../../../examples/provider-motd');

const HEAD =
  'host "web" {\n  addr = "127.0.0.1"\n}\nprovider "motd" {\n  source = "stratum-provider-motd"\n}\n';

/**
 * A provider declared in the config is loaded from the config's directory as
 * the CLI loads it (here the example package, installed into the project's
 * node_modules), so its kinds complete and validate in the editor.
 */
describe('a third-party provider over a real LSP client', () => {
  const ws = tempWorkspace();
  let client: LspClient;

  beforeAll(async () => {
    if (!existsSync(join(EXAMPLE, 'dist/index.js')))
      throw new Error(`${EXAMPLE}/dist is missing: run \`pnpm build\` at the repository root first`);
    mkdirSync(join(ws.dir, 'node_modules'));
    symlinkSync(EXAMPLE, join(ws.dir, 'node_modules', 'stratum-provider-motd'), 'dir');
    ({ client } = await LspClient.start(ws.dir));
  });
  afterAll(async () => {
    await client?.stop();
    ws.dispose();
  });

  async function checkAgainstCli(name: string, text: string) {
    const path = ws.write(name, text);
    const uri = await client.open(path, text);
    const diagnostics = await client.diagnosticsFor(uri);
    const reported = await validateWithCli(path);
    expect(reported.length).toBeGreaterThan(0);
    const listed = reported.some((r) => r.code === undefined);
    expect(
      diagnostics.map((d) => ({
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        code: listed ? undefined : d.code,
        text: listedText(d, listed && !messageText(d).includes('cannot find package')),
      })),
    ).toEqual(reported);
    return { uri, diagnostics };
  }

  it("validates the provider's kinds as `stratum validate` does", async () => {
    const { diagnostics } = await checkAgainstCli(
      'banner.strat',
      `${HEAD}resource "motd_banner" "login" {\n  host = host.web.addr\n  txt  = "hello"\n}\n`,
    );
    expect(diagnostics.map((d) => d.code)).toEqual(['MissingAttribute', 'UnknownAttribute']);
    expect(messageText(diagnostics[1]!)).toContain('did you mean `text`');
  });

  it('a provider package that cannot be found is a diagnostic on its block', async () => {
    const { diagnostics } = await checkAgainstCli(
      'missing.strat',
      'provider "nope" {\n  source = "stratum-provider-nope"\n}\n',
    );
    expect(diagnostics[0]!.code).toBe('BadArguments');
    expect(diagnostics[0]!.range).toEqual({
      start: { line: 0, character: 0 },
      end: { line: 0, character: 15 },
    });
  });

  it("completes the provider's kinds and their attributes", async () => {
    const text = `${HEAD}resource "motd_banner" "login" {\n  host = host.web.addr\n  text = "hi"\n}\n`;
    const uri = await client.open(ws.write('complete.strat', text), text);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
    const at = async (typed: string): Promise<CompletionItem[]> => {
      const full = `${text}${typed}`;
      await client.change(uri, full);
      await client.diagnosticsFor(uri);
      const lines = full.split('\n');
      const result = await client.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: lines.length - 1, character: lines.at(-1)!.length },
      });
      return Array.isArray(result) ? result : (result?.items ?? []);
    };
    const kinds = (await at('resource "motd')).map((i) => i.label);
    expect(kinds).toEqual(expect.arrayContaining(['motd_banner', 'motd_page', 'system_file']));
    const attributes = await at('resource "motd_banner" "two" {\n  ');
    const byName = new Map(attributes.map((i) => [i.label, i.detail]));
    expect(byName.get('text')).toBe('string, required');
    expect(byName.get('path')).toMatch(/default "\/etc\/motd"$/);
  });
});
