import { z } from 'zod';

/**
 * `validate --json`: what `validate` found, as a versioned document. Bump
 * {@link VALIDATE_FORMAT_VERSION} on any incompatible change; additions keep it.
 */
export const VALIDATE_FORMAT_VERSION = 1;

const line = z.number().int().min(1).meta({ description: '1-based.' });
const column = z.number().int().min(1).meta({ description: '1-based, in characters.' });

const locationSchema = z
  .object({
    file: z.string().nullable().meta({ description: 'The config file, relative to the working directory.' }),
    line,
    column,
    end_line: line.optional().meta({ description: 'Where the range ends (exclusive), when it is known.' }),
    end_column: column.optional(),
  })
  .meta({ description: 'Where the problem is, when it has one position.' });

const diagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string().nullable().meta({
    description: 'The error code (`UnknownAttribute`, `ParseError`, …); null for a warning without one.',
  }),
  message: z.string().meta({ description: 'Never holds a secret value, only names and types.' }),
  hint: z.string().nullable().meta({ description: 'What to do about it, when there is advice.' }),
  location: locationSchema.nullable(),
});

/** The one definition of `validate --json`'s document. */
export const validateDocumentSchema = z
  .object({
    format_version: z.literal(VALIDATE_FORMAT_VERSION),
    valid: z.boolean().meta({ description: 'True when no diagnostic is an error (the exit code is 0).' }),
    files: z.array(z.string()).meta({ description: 'The config files read, when the sources were found.' }),
    resources: z.number().int().nullable().meta({ description: 'How many resources, when valid.' }),
    hosts: z.number().int().nullable().meta({ description: 'How many hosts, when valid.' }),
    diagnostics: z.array(diagnosticSchema).meta({
      description:
        'Every problem of the first failing step (as `validate` stops at the first failing step), then warnings.',
    }),
  })
  .meta({
    title: 'stratum validate --json',
    description: 'Whether the configs are valid, and the problems found, without state or hosts.',
  });

export type ValidateDocument = z.infer<typeof validateDocumentSchema>;
export type ValidateDiagnostic = z.infer<typeof diagnosticSchema>;
