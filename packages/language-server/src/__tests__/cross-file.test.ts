import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompletionRequest,
  DefinitionRequest,
  type Diagnostic,
  FileChangeType,
  type Location,
} from 'vscode-languageserver-protocol';
import { CLI_BIN, LspClient } from './lsp-client';
import { type Reported, validateWithCli } from './validate-cli';
import { listedText, messageText, tempWorkspace } from './workspace';

const HOSTS = 'host "prod" {\n  addr = "127.0.0.1"\n}\n';
const APP =
  'resource "system_file" "motd" {\n  host    = host.prod.addr\n  path    = "/etc/motd"\n  content = "hi"\n}\n';
/** `app.strat` also declaring a host `hosts.strat` declares: a duplicate once both are read together. */
const DB = 'host "db" {\n  addr = "127.0.0.2"\n}\n';

/** The diagnostics as `stratum validate` prints them: position, code and message. */
function asReported(diagnostics: Diagnostic[]): Reported[] {
  return diagnostics.map((d) => ({
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    code: d.code === undefined ? undefined : String(d.code),
    text: listedText(d, false),
  }));
}

const codes = (diagnostics: Diagnostic[]) => diagnostics.map((d) => d.code);

/**
 * A document is read with the files the CLI would load with it: the
 * namespace's (manifest first) when a manifest lists it, else itself plus the
 * sibling files that declare what it references. Every scenario has its own
 * real directory and talks to the built server over stdio.
 */
describe('cross-file diagnostics over a real LSP client', () => {
  const ws = tempWorkspace();
  let client: LspClient;
  let dirs = 0;
  /** A fresh directory of the workspace holding `files`; returns the path of each. */
  const directory = (files: Record<string, string>): Record<string, string> => {
    const dir = join(ws.dir, `case-${++dirs}`);
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      paths[name] = join(dir, name);
      mkdirSync(join(paths[name], '..'), { recursive: true });
      writeFileSync(paths[name], text);
    }
    return paths;
  };

  /** Opens `APP` at `path`: read alone, its unknown host is what `validate -c <file>` reports. */
  const expectReadAlone = async (path: string) => {
    const diagnostics = await client.diagnosticsFor(await client.open(path, APP));
    expect(codes(diagnostics)).toEqual(['UnknownHost']);
    expect(asReported(diagnostics)).toEqual(await validateWithCli(path));
  };

  beforeAll(async () => {
    ({ client } = await LspClient.start(ws.dir));
  });
  afterAll(async () => {
    await client?.stop();
    ws.dispose();
  });

  it('a bundle: a host declared in a closed sibling file is known, as `validate -c app.strat -c hosts.strat` knows it', async () => {
    const paths = directory({ 'hosts.strat': HOSTS, 'app.strat': APP });
    const uri = await client.open(paths['app.strat']!, APP);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
    const run = {
      cwd: join(paths['app.strat']!, '..'),
      args: ['validate', '-c', 'app.strat', '-c', 'hosts.strat'],
    };
    expect(await validateWithCli(paths['app.strat']!, run)).toEqual([]);

    // `host.` completes the sibling's hosts; go to definition opens the sibling.
    const text = `${APP}resource "system_file" "two" {\n  host = host.`;
    await client.change(uri, text);
    await client.diagnosticsFor(uri);
    const result = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: text.split('\n').length - 1, character: '  host = host.'.length },
    });
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    expect(items.map((i) => i.label)).toEqual(['prod']);
    await client.change(uri, APP);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
    const definition = (await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: { line: 1, character: '  host    = host.pr'.length },
    })) as Location;
    expect(definition).toEqual({
      uri: pathToFileURL(paths['hosts.strat']!).href,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 'host "prod"'.length } },
    });
  });

  it('a bundle: `depends_on` a resource a sibling declares is read with that sibling', async () => {
    const base = `${HOSTS}resource "system_file" "base" {\n  host    = host.prod.addr\n  path    = "/etc/base"\n  content = "b"\n}\n`;
    const app = `host "other" {\n  addr = "127.0.0.3"\n}\nresource "ssh_exec" "after" {\n  host       = host.other.addr\n  command    = "true"\n  depends_on = ["system_file.base"]\n}\n`;
    const paths = directory({ 'app.strat': app, 'base.strat': base });
    const uri = await client.open(paths['app.strat']!, app);
    expect(await client.diagnosticsFor(uri)).toEqual([]);
    const cwd = join(paths['app.strat']!, '..');
    expect(
      await validateWithCli(paths['app.strat']!, {
        cwd,
        args: ['validate', '-c', 'app.strat', '-c', 'base.strat'],
      }),
    ).toEqual([]);

    // Alone (the sibling gone), the planner's refusal, as `validate -c app.strat` reports it.
    const alone = directory({ 'app.strat': app })['app.strat']!;
    const diagnostics = await client.diagnosticsFor(await client.open(alone, app));
    expect(codes(diagnostics)).toEqual(['UnknownDependency']);
    expect(asReported(diagnostics).map(({ code, text }) => ({ code, text }))).toEqual(
      (await validateWithCli(alone)).map(({ code, text }) => ({ code, text })),
    );
  });

  it('without the sibling, the same unknown host as `validate -c app.strat`', async () => {
    await expectReadAlone(directory({ 'app.strat': APP })['app.strat']!);
  });

  it('a namespace: its config sees the manifest host; a config no namespace lists is read alone', async () => {
    const manifest = `${HOSTS}namespace "app" {\n  configs = ["app/web.strat"]\n}\n`;
    const paths = directory({ 'stratum.strat': manifest, 'app/web.strat': APP, 'app/other.strat': APP });
    const web = await client.open(paths['app/web.strat']!, APP);
    expect(await client.diagnosticsFor(web)).toEqual([]);
    const cwd = join(paths['stratum.strat']!, '..');
    expect(await validateWithCli(paths['app/web.strat']!, { cwd, args: ['-n', 'app', 'validate'] })).toEqual(
      [],
    );

    await expectReadAlone(paths['app/other.strat']!);
  });

  it('a namespace reports a duplicate of a manifest host in the config, naming both files', async () => {
    const manifest = `${HOSTS}namespace "app" {\n  configs = ["web.strat"]\n}\n`;
    const web = `${HOSTS}${APP}`;
    const paths = directory({ 'stratum.strat': manifest, 'web.strat': web });
    const uri = await client.open(paths['web.strat']!, web);
    const diagnostics = await client.diagnosticsFor(uri);
    expect(messageText(diagnostics[0]!)).toContain(
      'duplicate host `prod`: defined in stratum.strat and web.strat',
    );
    const cwd = join(paths['stratum.strat']!, '..');
    expect(asReported(diagnostics)).toEqual(
      await validateWithCli(paths['web.strat']!, { cwd, args: ['-n', 'app', 'validate'] }),
    );
    // The manifest, closed, gets it on its own declaration.
    const onManifest = await client.diagnosticsUntil(
      pathToFileURL(paths['stratum.strat']!).href,
      (d) => d.length > 0,
    );
    expect(codes(onManifest)).toEqual(['DuplicateHost']);
    expect(onManifest[0]!.range.start).toEqual({ line: 0, character: 5 });
  });

  it('a namespace: the cross-namespace port conflict `-n NAME validate` refuses, on the resource, cleared when the sibling moves', async () => {
    const container = (name: string, port: string) =>
      `resource "docker_container" "${name}" {\n  host  = host.prod.addr\n  image = "nginx:1"\n  ports = ["${port}"]\n}\n`;
    const manifest = `${HOSTS}namespace "app" {\n  configs = ["app.strat"]\n}\nnamespace "edge" {\n  configs = ["edge.strat"]\n}\n`;
    const app = container('web', '8080:80');
    const paths = directory({
      'stratum.strat': manifest,
      'app.strat': app,
      'edge.strat': container('proxy', '8080:80'),
    });
    const uri = await client.open(paths['app.strat']!, app);
    const diagnostics = await client.diagnosticsFor(uri);
    expect(codes(diagnostics)).toEqual(['CrossNamespaceConflict']);
    expect(diagnostics[0]!.range.start).toEqual({ line: 0, character: 0 });
    expect(messageText(diagnostics[0]!).split('\n').slice(0, 3)).toEqual([
      'cross-namespace port conflict on host `127.0.0.1`:',
      '  - app::docker_container.web  (current) wants 8080',
      '  - edge::docker_container.proxy  (sibling) already claims it',
    ]);
    // The CLI prints the same lines (no position: it names the resources).
    const cli = spawnSync(process.execPath, [CLI_BIN, '-n', 'app', 'validate'], {
      cwd: join(paths['stratum.strat']!, '..'),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toBe(`Error: ${messageText(diagnostics[0]!)}\n`);

    // The sibling's unsaved buffer moves to another port: the conflict is gone.
    const edge = await client.open(paths['edge.strat']!, container('proxy', '8080:80'));
    await client.change(edge, container('proxy', '9090:80'));
    expect(await client.diagnosticsUntil(uri, (d) => d.length === 0)).toEqual([]);
  });

  it("a namespace listing a file that does not exist: the CLI's ConfigFileUnreadable, on the manifest's entry", async () => {
    const manifest = `${HOSTS}namespace "app" {\n  configs = ["web.strat", "gone.strat"]\n}\n`;
    const paths = directory({ 'stratum.strat': manifest, 'web.strat': APP });
    const web = await client.open(paths['web.strat']!, APP);
    expect(await client.diagnosticsFor(web)).toEqual([]);
    const onManifest = await client.diagnosticsUntil(
      pathToFileURL(paths['stratum.strat']!).href,
      (d) => d.length > 0,
    );
    const cwd = join(paths['stratum.strat']!, '..');
    const reported = await validateWithCli(paths['web.strat']!, { cwd, args: ['-n', 'app', 'validate'] });
    // The CLI names the file before the message, having no line for it; here the range says where.
    expect(onManifest.map((d) => [d.code, `gone.strat: ${listedText(d, false)}`])).toEqual(
      reported.map((r) => [r.code, r.text]),
    );
    expect(onManifest[0]!.range.start).toEqual({
      line: 4,
      character: manifest.split('\n')[4]!.indexOf('"gone'),
    });
  });

  it('a duplicate across two files of a bundle is in both files, and cleared when the other buffer drops it', async () => {
    const hosts = `${HOSTS}${DB}`;
    const app = `${DB}${APP}`;
    const paths = directory({ 'hosts.strat': hosts, 'app.strat': app });
    const appUri = await client.open(paths['app.strat']!, app);
    const hostsUri = await client.open(paths['hosts.strat']!, hosts);
    const message = 'duplicate host `db`: defined in app.strat and hosts.strat';

    // As the CLI says it: at the second file's declaration (read in name order: app.strat, hosts.strat).
    const inHosts = await client.diagnosticsUntil(hostsUri, (d) => d.length > 0);
    const run = {
      cwd: join(paths['app.strat']!, '..'),
      args: ['validate', '-c', 'app.strat', '-c', 'hosts.strat'],
    };
    expect(asReported(inHosts)).toEqual(await validateWithCli(paths['hosts.strat']!, run));
    expect(listedText(inHosts[0]!, false)).toBe(message);
    // And at the first file's, so the file that is open shows it too.
    const inApp = await client.diagnosticsUntil(appUri, (d) => d.length > 0);
    expect(inApp.map((d) => [d.code, listedText(d, false), d.range.start])).toEqual([
      ['DuplicateHost', message, { line: 0, character: 5 }],
    ]);

    // Fixed in the open (unsaved) buffer of hosts.strat: both files clear.
    await client.change(hostsUri, HOSTS);
    expect(await client.diagnosticsUntil(appUri, (d) => d.length === 0)).toEqual([]);
    expect(await client.diagnosticsUntil(hostsUri, (d) => d.length === 0)).toEqual([]);
    await client.close(hostsUri);
    await client.close(appUri);
  });

  it("an unsaved edit in an open sibling's buffer changes the other document's diagnostics", async () => {
    const paths = directory({ 'hosts.strat': HOSTS, 'app.strat': APP });
    const appUri = await client.open(paths['app.strat']!, APP);
    expect(await client.diagnosticsFor(appUri)).toEqual([]);
    const hostsUri = await client.open(paths['hosts.strat']!, HOSTS);
    await client.change(hostsUri, HOSTS.replace('"prod"', '"staging"'));
    const unknown = await client.diagnosticsUntil(appUri, (d) => d.length > 0);
    expect(unknown.map((d) => [d.code, listedText(d, false)])).toEqual([
      ['UnknownHost', 'unknown host `prod` in reference `host.prod.addr`'],
    ]);
    await client.change(hostsUri, HOSTS);
    expect(await client.diagnosticsUntil(appUri, (d) => d.length === 0)).toEqual([]);
    // Closed unsaved, the buffer's text no longer counts: the disk's does (it declares `prod`).
    await client.change(hostsUri, HOSTS.replace('"prod"', '"staging"'));
    await client.diagnosticsUntil(appUri, (d) => d.length > 0);
    await client.close(hostsUri);
    expect(await client.diagnosticsUntil(appUri, (d) => d.length === 0)).toEqual([]);
  });

  it('a closed sibling changed on disk: `workspace/didChangeWatchedFiles` re-reads it', async () => {
    const paths = directory({ 'hosts.strat': HOSTS, 'app.strat': APP });
    const appUri = await client.open(paths['app.strat']!, APP);
    expect(await client.diagnosticsFor(appUri)).toEqual([]);
    writeFileSync(paths['hosts.strat']!, HOSTS.replace('"prod"', '"staging"'));
    await client.filesChanged([{ path: paths['hosts.strat']!, type: FileChangeType.Changed }]);
    const unknown = await client.diagnosticsUntil(appUri, (d) => d.length > 0);
    expect(codes(unknown)).toEqual(['UnknownHost']);
    writeFileSync(paths['hosts.strat']!, HOSTS);
    await client.filesChanged([{ path: paths['hosts.strat']!, type: FileChangeType.Changed }]);
    expect(await client.diagnosticsUntil(appUri, (d) => d.length === 0)).toEqual([]);
  });

  it('registers a watcher for *.strat files when the client can register one dynamically', async () => {
    const { client: other } = await LspClient.start(ws.dir, {
      workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
    });
    try {
      // The registration is sent after `initialized`; a document round trip orders it before this check.
      const uri = await other.open(directory({ 'app.strat': HOSTS })['app.strat']!, HOSTS);
      await other.diagnosticsFor(uri);
      expect(other.registrations).toEqual([
        expect.objectContaining({
          method: 'workspace/didChangeWatchedFiles',
          registerOptions: { watchers: [{ globPattern: '**/*.strat' }] },
        }),
      ]);
    } finally {
      await other.stop();
    }
  });
});
