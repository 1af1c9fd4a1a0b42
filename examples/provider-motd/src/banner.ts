import { posix } from 'node:path';
import type { HostCommand, JsonObject, KindHandler, Observed, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  hostSchema,
  InvalidAttributeError,
  lastLine,
  observedMode,
  octalModeSchema,
  priorObject,
  priorString,
  readLocalText,
  requirePriorString,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { writeFileCommand } from './write-file.js';

export const DEFAULT_BANNER_PATH = '/etc/motd';
export const DEFAULT_BANNER_MODE = '0644';

/** `motd_banner`: the text a host shows at login. */
export const bannerSchema = z.strictObject({
  host: hostSchema,
  path: absolutePathSchema.default(DEFAULT_BANNER_PATH),
  text: z.string(),
  mode: octalModeSchema.default(DEFAULT_BANNER_MODE),
});

export type BannerAttrs = z.output<typeof bannerSchema>;

/** What state keeps of a banner: everything, the text in the clear (a login banner is public). */
function stateOf(attrs: BannerAttrs): JsonObject {
  return { host: attrs.host, path: attrs.path, mode: attrs.mode, text: attrs.text };
}

/** Writes the text through stdin: content never travels in a command line. */
function writeText(attrs: BannerAttrs): HostCommand {
  return {
    command: writeFileCommand(attrs.path, attrs.mode),
    step: `writing ${attrs.path}`,
    stdin: attrs.text,
    hint: 'motd_banner does not create directories: check that the parent directory exists',
    explain: [
      { command: `ls -ld -- ${shellQuote(posix.dirname(attrs.path))}`, title: 'the parent directory' },
    ],
  };
}

function removal(path: string, host?: string): HostCommand {
  return {
    command: `rm -- ${shellQuote(path)}`,
    step: `removal of ${path}`,
    host,
    // Gone already is what a removal wants; any other failure (permissions) stops the step.
    okIfOutput: /No such file or directory/,
  };
}

/** Exit 3: nothing at the path. Otherwise the mode on the first line, then the text, byte for byte. */
export function bannerProbeScript(path: string): string {
  return [
    `p=${shellQuote(path)}`,
    'if [ ! -e "$p" ] && [ ! -L "$p" ]; then exit 3; fi',
    'stat -L -c %a -- "$p" || exit 1',
    'exec cat -- "$p"',
  ].join('\n');
}

/** {@link bannerProbeScript}'s output as an observation; never throws. */
export function parseBannerProbe(
  target: { host: string; path: string; priorMode: unknown },
  output: string,
  exitCode: number,
): Observed {
  if (exitCode === 3) return { status: 'absent' };
  const newline = output.indexOf('\n');
  const mode = newline === -1 ? '' : output.slice(0, newline);
  if (exitCode !== 0 || !/^[0-7]{1,4}$/.test(mode)) {
    // The file is there but could not be read: say why, never guess "absent".
    return {
      status: 'unknown',
      reason: `cannot read ${target.path} on ${target.host} (exit ${exitCode}): ${lastLine(output) || 'no output'}`,
    };
  }
  return {
    status: 'present',
    attrs: {
      host: target.host,
      path: target.path,
      mode: observedMode(mode, target.priorMode),
      text: output.slice(newline + 1),
    },
  };
}

function write(request: { name: string; attrs: BannerAttrs }, before: HostCommand[] = []): Operation {
  const { attrs } = request;
  return {
    host: attrs.host,
    commands: [...before, writeText(attrs)],
    trace: [`[motd] BANNER \`${request.name}\` -> ${attrs.host}:${attrs.path}`],
    record: () => stateOf(attrs),
  };
}

export const bannerKind: KindHandler<BannerAttrs> = {
  schema: bannerSchema,
  identity: ['host', 'path'],

  // Anyone who logs in reads the banner, so it takes no secret at all.
  secrets: {
    refs: [],
    refusedHint: 'a login banner is readable by every user of the host; keep secrets out of it',
  },

  /** `text_file = "motd.txt"`, relative to the .strat file, becomes `text`. */
  prepare(attrs, local) {
    if (attrs.text_file === undefined) return attrs;
    const { text_file: file, ...rest } = attrs;
    if (rest.text !== undefined) {
      throw new InvalidAttributeError('MotdTextTwice', 'text_file', 'give `text` or `text_file`, not both');
    }
    const codes = { noBaseDir: 'MotdTextFileRelative', missing: 'MotdTextFileUnreadable' };
    return { ...rest, text: readLocalText('text_file', file, local, codes) };
  },

  // The planner compares only what the desired view holds: fill in the defaults, so that
  // taking `mode = "0600"` out of the config plans a change back to 0644.
  planView: (attrs) => ({ path: DEFAULT_BANNER_PATH, mode: DEFAULT_BANNER_MODE, ...attrs }),

  // The same space the built-in file kinds claim: two resources writing one file would fight.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'file path', value: attrs.path }],
  }),

  create: (request) => write(request),

  update(request) {
    const prior = priorObject(request.prior);
    const moved = prior.host !== request.attrs.host || prior.path !== request.attrs.path;
    const oldPath = priorString(request.prior, 'path');
    const oldHost = priorString(request.prior, 'host');
    // A banner that moved is removed where it was, on the host it was on.
    return write(request, moved && oldPath !== undefined ? [removal(oldPath, oldHost)] : []);
  },

  delete(request) {
    const host = requirePriorString(request, 'host');
    return { host, commands: [removal(requirePriorString(request, 'path'))] };
  },

  probe(request) {
    const host = requirePriorString(request, 'host');
    const path = requirePriorString(request, 'path');
    const priorMode = priorObject(request.prior).mode;
    return {
      host,
      script: bannerProbeScript(path),
      parse: (output, exitCode) => parseBannerProbe({ host, path, priorMode }, output, exitCode),
    };
  },
};
