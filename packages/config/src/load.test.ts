import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectConfigError } from './__tests__/config-error';
import type { Document } from './ast';
import { ConfigError } from './errors';
import type { Extracted, ParsedDocuments } from './extracted';
import { loadFile, loadFiles, loadStr } from './load';

const fixtures = join(import.meta.dirname, '__tests__/fixtures');
/** Fixture paths as a user would pass them: relative to the working directory. */
const fixture = (path: string) => relative(process.cwd(), join(fixtures, path));

const tmp = mkdtempSync(join(tmpdir(), 'stratum-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function tmpFile(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('loadFiles: multi-file configs', () => {
  const paths = [fixture('multi/hosts.strat'), fixture('multi/infra.strat'), fixture('multi/app/app.strat')];
  const out = loadFiles(paths, { env: {} });

  it('evaluates the files as one document, references crossing files', () => {
    expect(out.files).toEqual(paths);
    expect(out.hosts.map((h) => [h.name, h.file])).toEqual([['primary', paths[0]]]);
    const byName = new Map(out.resources.map((r) => [r.addr.name, r]));
    expect(byName.get('uptime')?.attrs).toEqual({ host: 'root@192.0.2.10', command: 'uptime' });
    expect(byName.get('db')?.attrs.env).toEqual({
      DATABASE_URL: 'postgresql://app:CORRECTHORSEBATTERY@db:5432/app',
    });
    expect(out.resources.map((r) => r.addr.name)).toEqual([
      '_stratum_swap_primary',
      '_stratum_sshd_oom_primary',
      '_stratum_sshd_reload_primary',
      'traefik-config',
      'site',
      'uptime',
      'motd',
      'db',
    ]);
  });

  it("records each file's own directory, which its relative paths resolve against", () => {
    // The kinds resolve `content_file` and `source_dir` (their `prepare`); the language records where.
    const byName = new Map(out.resources.map((r) => [r.addr.name, r]));
    expect(byName.get('traefik-config')?.source?.dir).toBe(resolve(fixtures, 'multi'));
    expect(byName.get('motd')?.source?.dir).toBe(resolve(fixtures, 'multi/app'));
    expect(byName.get('site')?.attrs.source_dir).toBe('site/sub/..');
    expect(out.secrets[0]?.source).toEqual({ kind: 'file', path: join(fixtures, 'multi/secrets/pg.txt') });
  });

  it('records the declaring file in every span', () => {
    const motd = out.resources.find((r) => r.addr.name === 'motd');
    expect(motd?.source?.block).toEqual({ file: paths[2], line: 7, column: 1 });
    expect(motd?.source?.attrs.content_file).toEqual({ file: paths[2], line: 10, column: 3 });
  });

  it('fills the redaction map from every file', () => {
    expect(out.redaction.names()).toEqual(['pg']);
  });

  it('needs the host file: without it the reference is unknown', () => {
    expectConfigError(() => loadFiles([paths[2] as string], { env: {} }), {
      code: 'UnknownHost',
      message: 'unknown host `primary` in reference `host.primary.addr`',
      file: paths[2],
      line: 3,
      column: 13,
    });
  });
});

describe('duplicates across files', () => {
  it('names both files (the spec message)', () => {
    const hosts = fixture('dup/hosts.strat');
    const infra = fixture('dup/infra.strat');
    expectConfigError(() => loadFiles([hosts, infra]), {
      code: 'DuplicateHost',
      message: `duplicate host \`primary\`: defined in ${hosts} and ${infra}`,
      file: infra,
      line: 6,
      column: 6,
    });
  });

  it.each([
    ['secret', 'secret "pg" { from_env = "A" }', 'DuplicateSecret'],
    ['provider', 'provider "docker" {\n}', 'DuplicateProvider'],
    ['resource', 'resource "ssh_exec" "uptime" {\n}', 'DuplicateResource'],
    ['namespace', 'namespace "app" { configs = [] }', 'DuplicateNamespace'],
  ] as const)('for a %s', (noun, block, code) => {
    const a = tmpFile(`a-${noun}.strat`, `${block}\n`);
    const b = tmpFile(`b-${noun}.strat`, `\n${block}\n`);
    const name = noun === 'resource' ? 'ssh_exec.uptime' : block.split('"')[1];
    expectConfigError(() => loadFiles([a, b], { env: { A: 'x' } }), {
      code,
      message: `duplicate ${noun} \`${name}\`: defined in ${a} and ${b}`,
      file: b,
      line: 2,
    });
  });

  it('names the same file twice with line numbers', () => {
    const a = tmpFile('twice.strat', 'host "h" {\n}\n');
    expectConfigError(() => loadFiles([a, a]), {
      code: 'DuplicateHost',
      message: `duplicate host \`h\`: defined in ${a}:1 and ${a}:1`,
    });
  });
});

describe('loadFile', () => {
  it('loads a namespace manifest with paths absolute against its directory', () => {
    const manifest = fixture('manifest/stratum.strat');
    const out = loadFile(manifest);
    expect(out.files).toEqual([manifest]);
    const dir = join(fixtures, 'manifest');
    expect(out.namespaces).toEqual([
      { name: 'infra', configs: [join(dir, 'infra.strat')], file: manifest },
      {
        name: 'app',
        configs: [join(dir, 'app/web.strat'), join(dir, 'app/db.strat')],
        state: join(dir, 'state/app.json'),
        file: manifest,
      },
    ]);
  });

  it('ConfigFileUnreadable for a missing file', () => {
    const err = expectConfigError(() => loadFile(join(tmp, 'nope.strat')), {
      code: 'ConfigFileUnreadable',
      message: `cannot read config file \`${join(tmp, 'nope.strat')}\`: no such file or directory`,
      file: join(tmp, 'nope.strat'),
      line: 0,
    });
    expect(err.toString()).toBe(`${join(tmp, 'nope.strat')}: ${err.message}`);
  });

  it('ConfigFileUnreadable for a directory and for a file that is not UTF-8', () => {
    expectConfigError(() => loadFile(tmp), { code: 'ConfigFileUnreadable', message: /it is a directory$/ });
    const latin1 = tmpFile('latin1.strat', new Uint8Array([0x23, 0x20, 0xe9, 0x0a]));
    expectConfigError(() => loadFile(latin1), {
      code: 'ConfigFileUnreadable',
      message: `config file \`${latin1}\` is not valid UTF-8`,
    });
  });

  it('ignores a leading byte-order mark', () => {
    const bom = tmpFile('bom.strat', '\uFEFFhost "h" {\n  addr = "a"\n}\n');
    expect(loadFile(bom).hosts[0]?.location).toEqual({ file: bom, line: 1, column: 1 });
  });

  it('reports syntax errors with the file name', () => {
    const bad = tmpFile('bad.strat', 'host "h" {\n  addr = prod\n}\n');
    expectConfigError(() => loadFile(bad), { code: 'BareIdentifier', file: bad, line: 2, column: 10 });
  });

  it('parses every file before evaluating any', () => {
    const evalError = tmpFile('eval.strat', 'resource "ssh_exec" "x" { host = host.nope.addr }\n');
    const syntaxError = tmpFile('syntax.strat', 'host "h" {\n');
    expectConfigError(() => loadFiles([evalError, syntaxError]), { code: 'ParseError', file: syntaxError });
  });
});

describe('loadStr', () => {
  it('lists the file it was given a name for, and nothing otherwise', () => {
    expect(loadStr('', { file: 'x.strat' }).files).toEqual(['x.strat']);
    expect(loadStr('').files).toEqual([]);
  });

  it('attaches the source to errors for a code frame', () => {
    const err = expectConfigError(() => loadStr('host "h" {\n  addr = host.x.y\n}\n', { file: 'h.strat' }), {
      code: 'RefInHostBlock',
    });
    expect(err.frame()).toBe(['  |', '2 |   addr = host.x.y', '  |          ^^^^^^^^'].join('\n'));
  });
});

describe('loadFiles with a store of parsed documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-parsed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = (motd: string) =>
    `host "web" {\n  addr = "root@192.0.2.1"\n}\nresource "system_file" "motd" {\n  host    = host.web.addr\n  path    = "/etc/motd"\n  content = "${motd}"\n}\n`;

  const motdOf = (extracted: Extracted) =>
    extracted.resources.find((resource) => resource.addr.name === 'motd')?.attrs.content;

  /** A Map-backed store that records what it was asked. */
  function memoryStore() {
    const kept = new Map<string, { source: string; document: Document }>();
    const calls: string[] = [];
    const store: ParsedDocuments = {
      get: (file, source) => {
        calls.push(`get ${file}`);
        const entry = kept.get(file);
        return entry?.source === source ? entry.document : undefined;
      },
      set: (file, source, document) => {
        calls.push(`set ${file}`);
        kept.set(file, { source, document });
      },
    };
    return { store, kept, calls };
  }

  it('keeps what it parsed, and takes the kept tree for the same text instead of parsing', () => {
    const file = join(dir, 'a.strat');
    writeFileSync(file, config('hello'));
    const { store, kept, calls } = memoryStore();
    const first = loadFiles([file], { parsed: store });
    expect(calls).toEqual([`get ${file}`, `set ${file}`]);
    // The kept tree is used as it is: a tree edited in the store shows in the next load.
    const document = kept.get(file)!.document;
    const content = document.blocks[1]!.body[2]!;
    expect(content).toMatchObject({ type: 'attribute', name: 'content' });
    (content as { value: { value: string } }).value.value = 'from the store';
    const second = loadFiles([file], { parsed: store });
    expect(calls.slice(2)).toEqual([`get ${file}`]);
    expect(motdOf(first)).toBe('hello');
    expect(motdOf(second)).toBe('from the store');
  });

  it('parses a changed text again, and keeps nothing of a text that does not parse', () => {
    const file = join(dir, 'b.strat');
    writeFileSync(file, config('one'));
    const { store, calls } = memoryStore();
    loadFiles([file], { parsed: store });
    writeFileSync(file, config('two'));
    expect(motdOf(loadFiles([file], { parsed: store }))).toBe('two');
    expect(calls).toEqual([`get ${file}`, `set ${file}`, `get ${file}`, `set ${file}`]);
    writeFileSync(file, 'host "web" {\n');
    expect(() => loadFiles([file], { parsed: store })).toThrow(ConfigError);
    expect(calls.slice(4)).toEqual([`get ${file}`]);
  });
});
