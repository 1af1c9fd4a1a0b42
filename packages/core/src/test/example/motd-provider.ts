import { z } from 'zod';
import {
  type KindHandler,
  type Observed,
  type Provider,
  type ProviderContext,
  StratumError,
  shellQuote,
} from '../../index';

/** The attributes of a `motd_banner`: the message a host shows at login. */
const bannerSchema = z.strictObject({
  host: z.string(),
  text: z.string(),
  path: z.string().default('/etc/motd'),
});
type Banner = z.infer<typeof bannerSchema>;

async function write(attrs: Banner, ctx: ProviderContext) {
  ctx.log.trace(`[motd] WRITE ${attrs.path} on ${attrs.host}`);
  // The text goes through stdin, never into the command line.
  const command = `cat > ${shellQuote(attrs.path)}`;
  const result = await ctx.transport.exec(attrs.host, command, { stdin: attrs.text });
  if (result.exitCode !== 0) {
    throw new StratumError('MotdWriteFailed', `cannot write ${attrs.path}: ${result.stderr.trim()}`, {
      hint: 'check that the ssh user may write that path',
    });
  }
  // What create and update return is what state records, and what the next plan diffs against.
  return { host: attrs.host, path: attrs.path, text: attrs.text };
}

const banner: KindHandler<Banner> = {
  schema: bannerSchema,
  create: ({ attrs }, ctx) => write(attrs, ctx),
  update: ({ attrs }, ctx) => write(attrs, ctx),
  async delete({ prior }, ctx) {
    const { host, path } = prior as { host: string; path: string };
    await ctx.transport.exec(host, `rm -f ${shellQuote(path)}`);
  },
  probe({ prior }) {
    const { host, path } = prior as { host: string; path: string };
    return {
      host,
      // Exit 3 means "no such file"; any other failure is reported, not guessed at.
      script: `if [ -f ${shellQuote(path)} ]; then cat ${shellQuote(path)}; else exit 3; fi`,
      parse(output, exitCode): Observed {
        if (exitCode === 3) return { status: 'absent' };
        if (exitCode !== 0) return { status: 'unknown', reason: `cannot read ${path}: ${output.trim()}` };
        return { status: 'present', attrs: { host, path, text: output } };
      },
    };
  },
};

/** The provider. Its name is the prefix of every kind it owns. */
export const motdProvider: Provider = {
  name: 'motd',
  kinds: { motd_banner: banner },
};
