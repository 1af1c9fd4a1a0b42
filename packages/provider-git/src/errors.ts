import { StratumError } from '@stratum/core';

/**
 * Codes of the errors the git provider throws itself. A git command that
 * exits non-zero is not among them: the engine reports it as a
 * `CommandFailedError` naming the resource, the host and the step.
 */
export type GitErrorCode =
  /** A path the kind refuses to act on (relative, or `/`), found while building a step. */
  | 'GitInvalidAttribute'
  /** git succeeded but printed something the kind cannot record (no commit id). */
  | 'GitUnexpectedOutput';

/** A `git_repo` cannot be acted on, or git's output cannot be recorded. */
export class GitError extends StratumError<GitErrorCode> {
  static override readonly marker: string = '@stratum/provider-git/GitError';

  /** The resource name (its label in the config). */
  readonly resource: string;
  /** The SSH target, when known. */
  readonly host: string | undefined;
  /** The checkout path, when known. */
  readonly path: string | undefined;

  constructor(
    code: GitErrorCode,
    message: string,
    fields: {
      resource: string;
      host?: string | undefined;
      path?: string | undefined;
      hint?: string | undefined;
    },
  ) {
    super(code, message, fields.hint === undefined ? {} : { hint: fields.hint });
    this.name = 'GitError';
    this.resource = fields.resource;
    this.host = fields.host;
    this.path = fields.path;
  }
}
