import { Registry, validateProviderSettings } from '@stratum/core';
import { createRecordingTransport, createTestContext, runStep } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import defaultExport, { createMotdProvider, pageSchema, provider } from './index.js';

describe('the motd provider', () => {
  it('is exported as default and as `provider`, the names the CLI looks for', () => {
    expect(defaultExport).toBe(provider);
    expect(provider.name).toBe('motd');
    expect(Object.keys(provider.kinds)).toEqual(['motd_banner', 'motd_page']);
    expect(() => new Registry([provider])).not.toThrow();
  });

  it('checks its settings, naming a misspelt one at its position', () => {
    const registry = new Registry([createMotdProvider()]);
    const block = (attrs: Record<string, string | number>) => ({
      name: 'motd',
      attrs: { source: 'stratum-provider-motd', ...attrs },
      source: {
        block: { file: 'stratum.strat', line: 1, column: 1 },
        attrs: { busybx: { file: 'stratum.strat', line: 3, column: 3 } },
      },
    });
    expect(validateProviderSettings([block({ busybox: '/bin/busybox' })], registry)).toEqual([]);
    const [typo] = validateProviderSettings([block({ busybx: '/bin/busybox' })], registry);
    expect(typo).toMatchObject({
      code: 'UnknownAttribute',
      message: 'provider `motd`: unknown setting `busybx` (did you mean `busybox`?)',
      location: { file: 'stratum.strat', line: 3, column: 3 },
    });
    const [wrong] = validateProviderSettings([block({ busybox: 1 })], registry);
    expect(wrong?.message).toBe('provider `motd`: setting `busybox` must be a string, got number');
  });

  it('builds its commands with the configured busybox', async () => {
    const motd = createMotdProvider();
    const attrs = pageSchema.parse({ host: 'h', dir: '/srv/motd', text: 'x', port: 8080 });
    const request = { action: 'create', kind: 'motd_page', name: 'n', attrs } as const;
    const starts = async () => {
      const transport = createRecordingTransport((call) => (call.command.includes('setsid') ? '1\n' : ''));
      await runStep(motd.kinds.motd_page!, request, createTestContext(transport));
      return transport.commands()[0];
    };
    expect(await starts()).toBe('busybox --list | grep -qx httpd');
    const ctx = createTestContext();
    await motd.configure!({ busybox: '/usr/local/bin/busybox' }, ctx);
    expect(await starts()).toBe('/usr/local/bin/busybox --list | grep -qx httpd');
    expect(ctx.lines).toEqual([{ level: 'debug', line: '[motd] serving pages with /usr/local/bin/busybox' }]);
  });
});
