import type { Provider } from '@stratum/core';
import { z } from 'zod';
import { bannerKind } from './banner.js';
import { pageKind } from './page.js';

export type { BannerAttrs } from './banner.js';
export { bannerKind, bannerSchema } from './banner.js';
export type { PageAttrs, PageSettings } from './page.js';
export { pageKind, pageSchema } from './page.js';

/** What a `provider "motd" { ... }` block may set (besides `source`). */
export const settingsSchema = z.strictObject({
  /** The busybox that serves `motd_page`s: a name on the host's PATH, or an absolute path. */
  busybox: z.string().min(1).default('busybox'),
});

export type MotdSettings = z.output<typeof settingsSchema>;

/** A fresh provider with default settings until `configure` runs. */
export function createMotdProvider(): Provider {
  const settings: MotdSettings = settingsSchema.parse({});
  return {
    name: 'motd',
    kinds: {
      motd_banner: bannerKind,
      motd_page: pageKind(settings),
    },
    configSchema: settingsSchema,
    configure(block, ctx) {
      // `block` was checked against configSchema already; parsing again gives it its type.
      Object.assign(settings, settingsSchema.parse(block));
      ctx.log.debug(`[motd] serving pages with ${settings.busybox}`);
    },
  };
}

/** The provider the stratum CLI loads: it looks for `default`, then `provider`. */
export const provider: Provider = createMotdProvider();
export default provider;
