import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectConfigError } from './__tests__/config-error';
import { loadFiles, loadSources } from './load';

const fixtures = join(import.meta.dirname, '__tests__/fixtures');
const fixture = (path: string) => relative(process.cwd(), join(fixtures, path));
/** The files as `loadSources` takes them: each file's text, named by its path. */
const sourcesOf = (paths: readonly string[]) =>
  paths.map((file) => ({ file, source: readFileSync(file, 'utf8') }));

describe('loadSources: several texts as one config', () => {
  const paths = [fixture('multi/hosts.strat'), fixture('multi/infra.strat'), fixture('multi/app/app.strat')];

  it('reads what loadFiles reads from the same files, each relative path against its own directory', () => {
    const fromDisk = loadFiles(paths, { env: {} });
    const fromTexts = loadSources(sourcesOf(paths), { env: {} });
    expect(fromTexts.files).toEqual(paths);
    expect(fromTexts.hosts).toEqual(fromDisk.hosts);
    expect(fromTexts.resources).toEqual(fromDisk.resources);
    // `content_file` resolves beside the declaring file (its kind reads it), as from disk.
    const motd = fromTexts.resources.find((r) => r.addr.name === 'motd');
    expect(motd?.source?.dir).toBe(resolve(fixtures, 'multi/app'));
  });

  it('evaluates the texts as given, not the files on disk', () => {
    const [hosts, ...rest] = sourcesOf(paths);
    const edited = { ...hosts!, source: hosts!.source.replace('192.0.2.10', '192.0.2.99') };
    const out = loadSources([edited, ...rest], { env: {} });
    expect(out.hosts[0]?.attrs.addr).toBe('root@192.0.2.99');
  });

  it('needs the text that declares the host: without it the reference is unknown, at its file', () => {
    expectConfigError(() => loadSources(sourcesOf([paths[2]!]), { env: {} }), {
      code: 'UnknownHost',
      message: 'unknown host `primary` in reference `host.primary.addr`',
      file: paths[2],
      line: 3,
      column: 13,
    });
  });

  it('reports a name declared in two texts, naming both files, at the second', () => {
    const sources = [
      { file: 'hosts.strat', source: 'host "web" {\n  addr = "192.0.2.1"\n}\n' },
      { file: 'app.strat', source: '\nhost "web" {\n  addr = "192.0.2.2"\n}\n' },
    ];
    expectConfigError(() => loadSources(sources, { env: {} }), {
      code: 'DuplicateHost',
      message: 'duplicate host `web`: defined in hosts.strat and app.strat',
      file: 'app.strat',
      line: 2,
    });
  });

  it('resolves relative paths against baseDir when given, the directory of file otherwise', () => {
    const app = fixture('multi/app/app.strat');
    const text = readFileSync(app, 'utf8');
    const hosts = sourcesOf([fixture('multi/hosts.strat')]);
    const dirOf = (sources: Parameters<typeof loadSources>[0]) =>
      loadSources(sources, { env: {} }).resources.find((r) => r.addr.name === 'motd')?.source?.dir;
    expect(dirOf([...hosts, { file: app, source: text }])).toBe(resolve(fixtures, 'multi/app'));
    expect(dirOf([...hosts, { file: 'app.strat', source: text, baseDir: join(fixtures, 'multi') }])).toBe(
      resolve(fixtures, 'multi'),
    );
  });

  it('stops at the first text that does not parse, naming it', () => {
    const sources = [
      { file: 'a.strat', source: 'host "a" {\n' },
      { file: 'b.strat', source: 'host "b" {\n' },
    ];
    expectConfigError(() => loadSources(sources, { env: {} }), { code: 'ParseError', file: 'a.strat' });
  });
});
