import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CompletionItem,
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  type DocumentSymbol,
  DocumentSymbolRequest,
  HoverRequest,
  type Location,
  type MarkupContent,
  type Position,
} from 'vscode-languageserver-protocol';
import { LspClient } from './lsp-client';
import { tempWorkspace } from './workspace';

const CONFIG = `host "web" {
  addr = "127.0.0.1"
  port = 2222
}

secret "token" {
  from_env = "LSP_FEATURE_TOKEN"
}

variable "motd" {
  default = "hello"
}

resource "system_file" "motd" {
  host    = host.web.addr
  path    = "/etc/motd"
  content = var.motd
}

resource "system_secret_file" "banner" {
  host       = host.web.addr
  path       = "/etc/issue"
  content    = secret.token.value
  depends_on = ["system_file.motd"]
}
`;

/** The position of the `nth` occurrence of `needle` in `text`, plus `shift` characters. */
function positionOf(text: string, needle: string, shift = 0, nth = 0): Position {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  if (offset === -1) throw new Error(`no ${needle} in the text`);
  offset += shift;
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** The end of the text: where a user types next. */
function endOf(text: string): Position {
  return positionOf(text, text.slice(-1), 1, text.split(text.slice(-1)).length - 2);
}

describe('completion, hover, definition, symbols and formatting over a real LSP client', () => {
  const ws = tempWorkspace();
  let client: LspClient;
  let uri: string;

  beforeAll(async () => {
    process.env.LSP_FEATURE_TOKEN = 'lsp-feature-token';
    ({ client } = await LspClient.start(ws.dir));
    uri = await client.open(ws.write('stratum.strat', CONFIG), CONFIG);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
  });
  afterAll(async () => {
    await client?.stop();
    ws.dispose();
  });

  /** Completion labels after replacing the document by `text`, at its end (or `at`). */
  async function completeIn(text: string, at: Position = endOf(text)): Promise<CompletionItem[]> {
    await client.change(uri, text);
    await client.diagnosticsFor(uri);
    const result = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: at,
    });
    return Array.isArray(result) ? result : (result?.items ?? []);
  }
  const labels = (items: CompletionItem[]) => items.map((i) => i.label);
  /** The markdown a hover at `position` of the current document shows. */
  async function hoverText(position: Position): Promise<string | undefined> {
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
    return (hover?.contents as MarkupContent | undefined)?.value;
  }

  it('offers the block types at the top level', async () => {
    const items = await completeIn(`${CONFIG}\nres`);
    expect(labels(items)).toEqual(
      expect.arrayContaining(['host', 'resource', 'secret', 'variable', 'provider', 'group', 'namespace']),
    );
    expect(items.find((i) => i.label === 'resource')?.insertText).toContain('resource "${1:kind}"');
  });

  it('completes a resource reference: the names of a kind, then the attributes written in its block', async () => {
    const head = `${CONFIG}\nresource "system_file" "copy" {\n  host    = host.web.addr\n  content = `;
    const names = await completeIn(`${head}system_file.`);
    expect(labels(names)).toEqual(['motd']);
    expect(names[0]!.detail).toBe('resource "system_file" "motd"');
    expect(labels(await completeIn(`${head}system_file.motd.`))).toEqual(['host', 'path', 'content']);
    expect(labels(await completeIn(`${head}system_secret_file.`))).toEqual(['banner']);
  });

  it('offers the kinds in `resource "`', async () => {
    const items = await completeIn(`${CONFIG}\nresource "sys`);
    expect(labels(items)).toEqual(
      expect.arrayContaining(['system_file', 'system_package', 'docker_container', 'ssh_exec']),
    );
    expect(items.find((i) => i.label === 'system_file')?.detail).toBe('provider system');
  });

  it("offers a kind's attributes with their types and defaults", async () => {
    const items = await completeIn(`${CONFIG}\nresource "system_file" "x" {\n  `);
    const byName = new Map(items.map((i) => [i.label, i]));
    expect(byName.get('path')?.detail).toMatch(/, required$/);
    expect(byName.get('path')?.documentation).toEqual({
      kind: 'markdown',
      value: 'The absolute path of the file on the host.',
    });
    expect(byName.get('mode')?.detail).toBe('string, default "0644"');
    expect(byName.get('owner')?.detail).toMatch(/default "root"$/);
    expect(byName.has('depends_on')).toBe(true);
    expect(byName.has('image')).toBe(false);
  });

  it('offers hosts, secrets, variables and their fields after `host.`, `secret.`, `var.`', async () => {
    const prefix = `${CONFIG}\nresource "system_file" "x" {\n  host = `;
    expect(labels(await completeIn(`${prefix}host.`))).toEqual(['web']);
    expect(labels(await completeIn(`${prefix}host.web.`))).toEqual(expect.arrayContaining(['addr', 'port']));
    expect(labels(await completeIn(`${prefix}"\${secret.`))).toEqual(['token']);
    expect(labels(await completeIn(`${prefix}secret.token.`))).toEqual(['value']);
    expect(labels(await completeIn(`${prefix}var.`))).toEqual(['motd']);
    expect(labels(await completeIn(prefix))).toEqual(expect.arrayContaining(['host', 'secret', 'var']));
  });

  it('completes inside string templates: roots, hosts, secrets, variables and resource attributes', async () => {
    const prefix = `${CONFIG}\nresource "system_file" "x" {\n  host    = host.web.addr\n  content = "motd: `;
    expect(labels(await completeIn(`${prefix}\${`))).toEqual(
      expect.arrayContaining(['host', 'secret', 'var']),
    );
    expect(labels(await completeIn(`${prefix}\${host.`))).toEqual(['web']);
    expect(labels(await completeIn(`${prefix}\${host.web.`))).toEqual(
      expect.arrayContaining(['addr', 'port']),
    );
    expect(labels(await completeIn(`${prefix}\${secret.token.`))).toEqual(['value']);
    expect(labels(await completeIn(`${prefix}\${var.`))).toEqual(['motd']);
    expect(labels(await completeIn(`${prefix}\${system_file.`))).toEqual(['motd']);
    expect(labels(await completeIn(`${prefix}\${system_file.motd.`))).toEqual(['host', 'path', 'content']);
    // After a closed `${...}`, the rest of the string is text again.
    expect(await completeIn(`${prefix}\${var.motd} host.`)).toEqual([]);
  });

  it('completes the instance keys of a `for_each` resource, from its for_each, and their attributes', async () => {
    const fleet = `${CONFIG}
host "web1" {
  addr = "192.0.2.1"
}

host "web2" {
  addr = "192.0.2.2"
}

group "web" {
  hosts = [host.web1, host.web2]
}

resource "system_user" "deploy" {
  for_each = group.web
  host     = each.value
  shell    = "/bin/sh"
}

resource "ssh_exec" "greet" {
  for_each = ["en", "fr-ch"]
  host     = host.web.addr
  command  = "echo \${each.key}"
}
`;
    // The keys come from the last config that evaluated: the one without the half-typed line.
    await client.change(uri, fleet);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
    const head = `${fleet}\nresource "system_file" "who" {\n  host    = host.web.addr\n  path    = "/etc/who"\n  content = `;
    const keys = await completeIn(`${head}system_user.deploy[`);
    expect(labels(keys)).toEqual(['"web1"', '"web2"']);
    expect(keys[0]).toMatchObject({ insertText: '"web1"]', detail: 'system_user.deploy["web1"]' });
    const quoted = await completeIn(`${head}system_user.deploy["w`);
    expect(quoted.map((i) => i.insertText)).toEqual(['web1"]', 'web2"]']);
    expect(labels(await completeIn(`${head}ssh_exec.greet[`))).toEqual(['"en"', '"fr-ch"']);
    expect(labels(await completeIn(`${head}system_user.deploy["web1"].`))).toEqual([
      'for_each',
      'host',
      'shell',
    ]);
    // The same inside a template, where the key's quotes nest in the string's.
    expect(labels(await completeIn(`${head}"user \${system_user.deploy["`))).toEqual(['"web1"', '"web2"']);
    expect(labels(await completeIn(`${head}"user \${system_user.deploy["web2"].`))).toEqual([
      'for_each',
      'host',
      'shell',
    ]);
    // A resource without for_each has no keys; `each.` offers its fields inside a for_each block.
    expect(await completeIn(`${head}system_file.motd[`)).toEqual([]);
    const inBlock = `${fleet}\nresource "system_file" "per" {\n  for_each = group.web\n  host     = each.value\n  path     = "/etc/\${each.`;
    expect(labels(await completeIn(inBlock))).toEqual(['key', 'value']);
    await client.change(uri, CONFIG);
    await client.diagnosticsFor(uri);
  });

  it('offers resource addresses in `depends_on`', async () => {
    const items = await completeIn(`${CONFIG}\nresource "system_file" "x" {\n  depends_on = ["`);
    expect(labels(items)).toEqual(['system_file.motd', 'system_secret_file.banner']);
  });

  it('hovers a kind and an attribute', async () => {
    await client.change(uri, CONFIG);
    await client.diagnosticsFor(uri);
    const kindText = await hoverText(positionOf(CONFIG, 'system_file', 3));
    expect(kindText).toContain('**system_file**');
    expect(kindText).toContain('| `path` |');
    expect(kindText).toContain('The absolute path of the file on the host.');
    expect(await hoverText(positionOf(CONFIG, 'content =', 2))).toMatch(/^`system_file.content`: .+\n\n\S/);
    const nothing = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 3, character: 0 },
    });
    expect(nothing).toBeNull();
  });

  it('goes to the definition of host, secret, var and resource references', async () => {
    const go = (position: Position) =>
      client.connection.sendRequest(DefinitionRequest.type, {
        textDocument: { uri },
        position,
      }) as Promise<Location | null>;
    expect((await go(positionOf(CONFIG, 'host.web.addr', 6)))?.range.start).toEqual(
      positionOf(CONFIG, 'host "web"'),
    );
    expect((await go(positionOf(CONFIG, 'secret.token.value', 8)))?.range.start).toEqual(
      positionOf(CONFIG, 'secret "token"'),
    );
    expect((await go(positionOf(CONFIG, 'var.motd', 5)))?.range.start).toEqual(
      positionOf(CONFIG, 'variable "motd"'),
    );
    expect((await go(positionOf(CONFIG, '"system_file.motd"', 3)))?.range.start).toEqual(
      positionOf(CONFIG, 'resource "system_file" "motd"'),
    );
    expect(await go(positionOf(CONFIG, '/etc/motd', 2))).toBeNull();
  });

  it('goes from a <kind>.<name>.<attr> reference to the resource block, and hovers it', async () => {
    const text = `${CONFIG}
resource "system_file" "copy" {
  host    = host.web.addr
  path    = "/etc/motd.copy"
  content = system_file.motd.path
}
`;
    await client.change(uri, text);
    await client.diagnosticsFor(uri);
    const location = (await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: positionOf(text, 'system_file.motd.path', 13),
    })) as Location | null;
    expect(location?.range.start).toEqual(positionOf(text, 'resource "system_file" "motd"'));
    const shown = await hoverText(positionOf(text, 'system_file.motd.path', 18));
    expect(shown).toContain('resource `system_file.motd` — kind **system_file**, provider `system`');
    expect(shown).toContain('`system_file.path`');
    await client.change(uri, CONFIG);
    await client.diagnosticsFor(uri);
  });

  it('hovers a reference to an output a kind computes at apply, bare or in a template', async () => {
    const text = `${CONFIG}
resource "git_repo" "app" {
  host = host.web.addr
  url  = "https://example.invalid/app.git"
  path = "/srv/app"
}

resource "ssh_exec" "build" {
  host    = host.web.addr
  command = "make REV=\${git_repo.app.commit_sha}"
  env     = { REV = git_repo.app.commit_sha }
}
`;
    await client.change(uri, text);
    await client.diagnosticsFor(uri);
    for (const at of ['REV=${git_repo.app.commit_sha', 'REV = git_repo.app.commit_sha']) {
      const shown = await hoverText(positionOf(text, at, at.indexOf('commit_sha') + 2));
      expect(shown).toContain('resource `git_repo.app` — kind **git_repo**');
      expect(shown).toContain('`git_repo.commit_sha`: computed, known after apply');
    }
    const offered = await completeIn(
      text,
      positionOf(text, 'REV = git_repo.app.', 'REV = git_repo.app.'.length),
    );
    expect(offered.find((item) => item.label === 'commit_sha')?.detail).toBe(
      'git_repo.app.commit_sha (computed, known after apply)',
    );
    expect(offered.map((item) => item.label)).toContain('url');
    await client.change(uri, CONFIG);
    await client.diagnosticsFor(uri);
  });

  it('lists the blocks as document symbols', async () => {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri },
    })) as DocumentSymbol[];
    expect(symbols.map((s) => s.name)).toEqual([
      'web',
      'token',
      'motd',
      'system_file.motd',
      'system_secret_file.banner',
    ]);
    expect(symbols[3]!.children?.map((c) => c.name)).toEqual(['host', 'path', 'content']);
  });

  it("formats through config's `format`, and leaves text that does not parse alone", async () => {
    const messy = 'host "web" {\naddr="127.0.0.1"\n    port = 22\n}\n';
    await client.change(uri, messy);
    await client.diagnosticsFor(uri);
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, {
      textDocument: { uri },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits).toHaveLength(1);
    expect(edits?.[0]?.newText).toBe('host "web" {\n  addr = "127.0.0.1"\n  port = 22\n}\n');
    await client.change(uri, 'host "web" {\n');
    await client.diagnosticsFor(uri);
    expect(
      await client.connection.sendRequest(DocumentFormattingRequest.type, {
        textDocument: { uri },
        options: { tabSize: 2, insertSpaces: true },
      }),
    ).toEqual([]);
  });
});
