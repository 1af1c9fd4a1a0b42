import { z } from 'zod';

/** A docker object name (network, container): docker's own charset, so a typo is caught at plan time. */
export const dockerNameSchema = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
    'must be a docker name: letters, digits, `_`, `.`, `-`, not starting with a symbol',
  );
