import { z } from 'zod';

/**
 * `graph --json`: the resources and the edges `graph` draws, as a versioned
 * document. Bump {@link GRAPH_FORMAT_VERSION} on any incompatible change; additions keep it.
 */
export const GRAPH_FORMAT_VERSION = 1;

const address = z.string().meta({ description: '`kind.name`, or `kind.name["key"]` for an instance' });

/** The one definition of `graph --json`'s document. */
export const graphDocumentSchema = z
  .object({
    format_version: z.literal(GRAPH_FORMAT_VERSION),
    nodes: z.array(z.object({ address, kind: z.string(), name: z.string(), provider: z.string() })),
    edges: z.array(
      z.object({
        from: address.meta({ description: 'The dependent resource.' }),
        to: address.meta({ description: 'The resource it needs first.' }),
        via: z.enum(['depends_on', 'reference']).meta({
          description: '`depends_on`, or a reference to its attributes (`kind.name.attr`)',
        }),
      }),
    ),
  })
  .meta({
    title: 'stratum graph --json',
    description: 'The resources of the configs and their edges, dependent → dependency, in config order.',
  });

export type GraphDocument = z.infer<typeof graphDocumentSchema>;
