import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAptRepoProbe, parseSources, renderSources, systemAptRepoSchema } from './apt-repo-kind';

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
    expect(parseAptRepoProbe({ host, name: 'r' }, `S\n${sources}\0\nK\n\0\nEND\n`, 0)).toEqual({
      status: 'present',
      attrs: { host, name: 'r', uris: ['file:/srv/repo'], suites: ['./'], components: [], key_sha256: null },
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
});
