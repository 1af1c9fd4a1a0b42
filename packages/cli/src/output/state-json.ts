import { z } from 'zod';

/**
 * `state list --json`, `state rm --json`, `state mv --json`: versioned
 * documents of what a state command found or changed. Bump
 * {@link STATE_COMMAND_FORMAT_VERSION} on any incompatible change; additions keep it.
 */
export const STATE_COMMAND_FORMAT_VERSION = 1;

const address = z.string().meta({ description: '`kind.name`, or `kind.name["key"]` for an instance' });
const statePath = z.string().meta({ description: 'The state file (or `postgres://` URL) as given.' });

/** The one definition of `state list --json`'s document. */
export const stateListSchema = z
  .object({
    format_version: z.literal(STATE_COMMAND_FORMAT_VERSION),
    state: statePath,
    resources: z.array(z.object({ address, kind: z.string(), name: z.string(), provider: z.string() })),
  })
  .meta({
    title: 'stratum state list --json',
    description: 'The resources a state file tracks, in its order.',
  });

/** The one definition of `state rm --json`'s document. */
export const stateRmSchema = z
  .object({
    format_version: z.literal(STATE_COMMAND_FORMAT_VERSION),
    state: statePath,
    removed: z.array(address).meta({ description: 'The addresses forgotten; the hosts were not touched.' }),
  })
  .meta({ title: 'stratum state rm --json', description: 'What `state rm` forgot.' });

/** The one definition of `state mv --json`'s document. */
export const stateMvSchema = z
  .object({
    format_version: z.literal(STATE_COMMAND_FORMAT_VERSION),
    state: statePath,
    moved: z
      .object({ from: address, to: address })
      .nullable()
      .meta({ description: 'null when the resource already was at that address.' }),
  })
  .meta({ title: 'stratum state mv --json', description: 'What `state mv` renamed.' });

export type StateListDocument = z.infer<typeof stateListSchema>;
export type StateRmDocument = z.infer<typeof stateRmSchema>;
export type StateMvDocument = z.infer<typeof stateMvSchema>;
