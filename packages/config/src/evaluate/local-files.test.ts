import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'stratum-local-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'traefik.yml'), 'entryPoints:\n  web:\n    address: ":80"\n');
writeFileSync(join(dir, 'binary.bin'), new Uint8Array([0xc3, 0x28]));
symlinkSync(dir, join(dir, 'link'));

/** `baseDir: null` loads without a base directory. */
function file(lines: string[], baseDir: string | null = dir) {
  return loadStr(strat('resource "system_file" "f" {', '  host = "root@h"', ...lines, '}'), {
    baseDir: baseDir ?? undefined,
    file: 'f.strat',
  });
}
function directory(lines: string[], baseDir: string | null = dir) {
  return loadStr(strat('resource "system_dir" "d" {', ...lines, '}'), {
    baseDir: baseDir ?? undefined,
    file: 'd.strat',
  });
}

describe('system_file.content_file', () => {
  it('inlines the file as `content` and drops `content_file` (the spec example)', () => {
    const out = file([
      '  path = "/etc/traefik/traefik.yml"',
      '  content_file = "traefik.yml"',
      '  mode = "0644"',
    ]);
    const resource = out.resources[0];
    expect(resource?.attrs).toEqual({
      host: 'root@h',
      path: '/etc/traefik/traefik.yml',
      content: 'entryPoints:\n  web:\n    address: ":80"\n',
      mode: '0644',
    });
    expect(resource?.source?.attrs.content).toEqual({ file: 'f.strat', line: 4, column: 3 });
    expect(resource?.source?.attrs).not.toHaveProperty('content_file');
  });

  it('accepts an absolute path without a base directory', () => {
    const out = file([`  content_file = "${join(dir, 'traefik.yml')}"`], null);
    expect(out.resources[0]?.attrs.content).toContain('entryPoints');
  });

  it('leaves content_file alone on other kinds', () => {
    const out = loadStr('resource "ssh_file" "x" {\n  content_file = "nope"\n}');
    expect(out.resources[0]?.attrs).toEqual({ content_file: 'nope' });
  });

  it('ContentConflict when both content and content_file are set', () => {
    expectConfigError(() => file(['  content = "x"', '  content_file = "traefik.yml"']), {
      code: 'ContentConflict',
      message: '`system_file` sets both `content` and `content_file`',
      line: 4,
      column: 3,
    });
  });

  it('ContentFileMissing for a missing file', () => {
    expectConfigError(() => file(['  content_file = "files/nope.yml"']), {
      code: 'ContentFileMissing',
      message: `cannot read \`content_file\` \`${join(dir, 'files/nope.yml')}\`: no such file or directory`,
      line: 3,
      column: 3,
    });
  });

  it('ContentFileMissing for a directory', () => {
    expectConfigError(() => file(['  content_file = "."']), {
      code: 'ContentFileMissing',
      message: `cannot read \`content_file\` \`${dir}\`: it is a directory`,
    });
  });

  it('ContentFileMissing for a file that is not UTF-8', () => {
    expectConfigError(() => file(['  content_file = "binary.bin"']), {
      code: 'ContentFileMissing',
      message: `\`content_file\` \`${join(dir, 'binary.bin')}\` is not valid UTF-8`,
      line: 3,
      column: 3,
    });
  });

  it('ContentFileNoBaseDir for a relative path in loadStr without baseDir', () => {
    expectConfigError(() => file(['  content_file = "traefik.yml"'], null), {
      code: 'ContentFileNoBaseDir',
      message:
        '`system_file.content_file` path `traefik.yml` is relative, but this config has no base directory',
      line: 3,
      column: 3,
    });
  });

  it('BadLocalPath for a path that is not a string', () => {
    expectConfigError(() => file(['  content_file = ["a"]']), {
      code: 'BadLocalPath',
      message: '`system_file.content_file` must be a string path, found a list',
      line: 3,
      column: 3,
    });
  });
});

describe('system_dir.source_dir', () => {
  it('makes the path absolute and canonical (symlinks and .. resolved)', () => {
    expect(
      directory(['  source_dir = "link/../link"', '  path = "/srv/book"'], dir).resources[0]?.attrs,
    ).toEqual({
      source_dir: dir,
      path: '/srv/book',
    });
  });

  it('is optional (empty-dir mode)', () => {
    expect(directory(['  path = "/srv/data"'], null).resources[0]?.attrs).toEqual({ path: '/srv/data' });
  });

  it('SourceDirMissing for a missing path', () => {
    expectConfigError(() => directory(['  source_dir = "../book/book"']), {
      code: 'SourceDirMissing',
      message: `\`source_dir\` \`${join(dir, '../book/book')}\` does not exist: no such file or directory`,
      line: 2,
      column: 3,
    });
  });

  it('SourceDirMissing for a file', () => {
    expectConfigError(() => directory(['  source_dir = "traefik.yml"']), {
      code: 'SourceDirMissing',
      message: `\`source_dir\` \`${join(dir, 'traefik.yml')}\` is not a directory`,
    });
  });

  it('SourceDirNoBaseDir for a relative path in loadStr without baseDir', () => {
    expectConfigError(() => directory(['  source_dir = "site"'], null), {
      code: 'SourceDirNoBaseDir',
      message: '`system_dir.source_dir` path `site` is relative, but this config has no base directory',
      line: 2,
      column: 3,
    });
  });
});
