import fc from 'fast-check';
import SSHConfig from 'ssh-config';
import { describe, expect, it } from 'vitest';
import { configForHost } from './ssh-config-index';

const names = ['web1', 'WEB1', 'web2', 'db', 'db.internal', 'bastion'];
const pattern = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...names) },
  { weight: 1, arbitrary: fc.constantFrom('web?', '*.internal', '*', 'db*', '!db', '!web1', '!*') },
);
const directive = fc.tuple(
  fc.constantFrom('HostName', 'Port', 'User', 'IdentityFile', 'IdentitiesOnly', 'HostKeyAlias'),
  fc.constantFrom('a', 'b', '2222', 'yes', '~/.ssh/k1'),
);
const block = fc.tuple(
  fc.array(pattern, { minLength: 1, maxLength: 3 }),
  fc.array(directive, { maxLength: 3 }),
  fc.boolean(),
);
const configText = fc
  .tuple(fc.array(directive, { maxLength: 2 }), fc.array(block, { maxLength: 12 }))
  .map(([global, blocks]) =>
    [
      ...global.map(([key, value]) => `${key} ${value}`),
      ...blocks.map(
        ([patterns, directives, commas]) =>
          `Host ${patterns.join(commas ? ',' : ' ')}\n${directives.map(([k, v]) => `  ${k} ${v}`).join('\n')}`,
      ),
    ].join('\n'),
  );

const options = { ignoreCase: true, matchExec: false } as const;

describe('configForHost', () => {
  it('computes what the whole config computes, for any host', () => {
    fc.assert(
      fc.property(configText, fc.constantFrom(...names, 'other'), (text, host) => {
        const config = SSHConfig.parse(text);
        expect(configForHost(config, host).compute({ Host: host }, options)).toEqual(
          config.compute({ Host: host }, options),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('keeps only the blocks that can apply to the host', () => {
    const config = SSHConfig.parse(
      'User deploy\nHost web1\n  Port 1\nHost web2\n  Port 2\nHost *.internal\n  Port 3\n',
    );
    expect(configForHost(config, 'web2').toString()).toBe(
      'User deploy\nHost web2\n  Port 2\nHost *.internal\n  Port 3\n',
    );
    expect(configForHost(config, 'WEB1').compute({ Host: 'WEB1' }, options)).toEqual(
      config.compute({ Host: 'WEB1' }, options),
    );
  });

  it('uses a config with Match or CanonicalizeHostName whole', () => {
    for (const text of [
      'Host web1\n  Port 1\nMatch host web2\n  Port 2\n',
      'Host web1\n  CanonicalizeHostName yes\nHost web2\n  Port 2\n',
    ]) {
      const config = SSHConfig.parse(text);
      expect(configForHost(config, 'web2')).toBe(config);
    }
  });
});
