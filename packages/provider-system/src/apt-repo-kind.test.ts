import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAptRepoProbe,
  parseOneLine,
  parseSources,
  renderOneLine,
  renderSources,
  systemAptRepoKind,
  systemAptRepoSchema,
} from './apt-repo-kind';

const host = 'root@h';
const word = fc.stringMatching(/^[A-Za-z0-9:/._-]{1,12}$/);

describe('system_apt_repo', () => {
  it('renders deb822 and reads it back (property)', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.array(word, { minLength: 1, maxLength: 2 }),
        fc.array(word, { maxLength: 3 }),
        (uris, suites, components) => {
          const attrs = systemAptRepoSchema.parse({ host, uris, suites, components });
          const fields = parseSources(renderSources('r', attrs))!;
          expect(fields.uris).toEqual(uris);
          expect(fields.suites).toEqual(suites);
          expect(fields.components ?? []).toEqual(components);
        },
      ),
    );
  });

  it('refuses a key that is not ASCII-armored', () => {
    expect(
      systemAptRepoSchema.safeParse({ host, uris: ['file:/r'], suites: ['./'], key: 'binary' }).success,
    ).toBe(false);
  });

  it('reads the sources file and the keyring hash; never throws', () => {
    const sources = 'Types: deb\nURIs: file:/srv/repo\nSuites: ./\n';
    expect(parseAptRepoProbe({ host, name: 'r' }, `S\n${sources}\0\nL\n\nK\n\0\nEND\n`, 0)).toEqual({
      status: 'present',
      attrs: {
        host,
        name: 'r',
        uris: ['file:/srv/repo'],
        suites: ['./'],
        components: [],
        format: 'deb822',
        key_sha256: null,
      },
    });
    expect(parseAptRepoProbe({ host, name: 'r' }, 'MISSING\n', 0)).toEqual({ status: 'absent' });
    expect(parseAptRepoProbe({ host, name: 'r' }, 'cat: Permission denied\n', 1).status).toBe('unknown');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 0, max: 3 }),
        (out, code) => {
          expect(['present', 'absent', 'unknown']).toContain(
            parseAptRepoProbe({ host, name: 'r' }, out, code).status,
          );
        },
      ),
    );
  });

  describe('one-line form', () => {
    it('renders a deb line per URI and suite and reads it back (property)', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(word, { minLength: 1, maxLength: 3 }),
          fc.uniqueArray(word, { minLength: 1, maxLength: 2 }),
          fc.array(word, { maxLength: 3 }),
          fc.option(fc.array(word, { minLength: 1, maxLength: 2 }), { nil: undefined }),
          (uris, suites, components, architectures) => {
            const attrs = systemAptRepoSchema.parse({
              host,
              uris,
              suites,
              components,
              architectures,
              format: 'one-line',
            });
            const text = renderOneLine('r', attrs);
            expect(text.split('\n').filter(Boolean)).toHaveLength(uris.length * suites.length);
            expect(parseOneLine(text)).toEqual({
              uris,
              suites,
              components,
              ...(architectures ? { architectures } : {}),
            });
          },
        ),
      );
    });

    it('names the keyring with signed-by, and reads a vendor’s line, skipping deb-src and comments', () => {
      const attrs = systemAptRepoSchema.parse({
        host,
        uris: ['https://download.docker.com/linux/debian'],
        suites: ['bookworm'],
        components: ['stable'],
        architectures: ['amd64'],
        format: 'one-line',
        key: '-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n',
      });
      expect(renderOneLine('docker', attrs)).toBe(
        'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable\n',
      );
      expect(
        parseOneLine(
          '# docker\ndeb-src http://x/ y z\ndeb [signed-by=/k arch=arm64] http://a/ s main contrib # c\n',
        ),
      ).toEqual({
        uris: ['http://a/'],
        suites: ['s'],
        components: ['main', 'contrib'],
        architectures: ['arm64'],
      });
      expect(parseOneLine('deb\n')).toBeUndefined();
      expect(parseOneLine('# nothing\n')).toBeUndefined();
    });

    it('reads a .list as one-line; a .sources beside it wins', () => {
      const list = 'deb file:/srv/repo ./\n';
      expect(parseAptRepoProbe({ host, name: 'r' }, `S\n\nL\n${list}\0\nK\n\0\nEND\n`, 0)).toMatchObject({
        status: 'present',
        attrs: { uris: ['file:/srv/repo'], suites: ['./'], components: [], format: 'one-line' },
      });
      const sources = 'Types: deb\nURIs: file:/other\nSuites: ./\n';
      expect(
        parseAptRepoProbe({ host, name: 'r' }, `S\n${sources}\0\nL\n${list}\0\nK\n\0\nEND\n`, 0),
      ).toMatchObject({ status: 'present', attrs: { uris: ['file:/other'], format: 'deb822' } });
    });

    it('writes <name>.list and removes <name>.sources, so apt never reads both', async () => {
      const attrs = systemAptRepoSchema.parse({
        host,
        uris: ['file:/r'],
        suites: ['./'],
        format: 'one-line',
      });
      const operation = await systemAptRepoKind.create({
        kind: 'system_apt_repo',
        name: 'r',
        attrs,
        raw: {},
      });
      const commands = operation.commands.map((c) => c.command).join('\n');
      expect(commands).toContain('/etc/apt/sources.list.d/r.list');
      expect(commands).toContain('rm -f -- /etc/apt/sources.list.d/r.sources');
      expect(operation.record?.([])).toMatchObject({ format: 'one-line' });
      const deleted = await systemAptRepoKind.delete({
        kind: 'system_apt_repo',
        name: 'r',
        prior: { host, name: 'r' },
      });
      const removal = deleted.commands.map((c) => c.command).join('\n');
      expect(removal).toContain('r.sources');
      expect(removal).toContain('r.list');
    });
  });
});
