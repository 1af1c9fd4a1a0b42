import type { z } from 'zod';

/** `at \`resources.x.attrs\`: <zod's message>`: where a document first breaks its schema, for an error message. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path.length === 0 ? 'top level' : `\`${issue.path.map(String).join('.')}\``;
  return `at ${where}: ${issue.message}`;
}
