import { StratumError } from '@stratum/core';

/** Codes of the errors the git provider throws. */
export type GitErrorCode = 'GitCommandFailed' | 'GitInvalidAttribute' | 'GitUnexpectedOutput';

/** A git command on a host failed, or a `git_repo` cannot be acted on as recorded. */
export class GitError extends StratumError<GitErrorCode> {
  /** The resource name (its label in the config). */
  readonly resource: string;
  /** The SSH target, when known. */
  readonly host: string | undefined;
  /** The checkout path, when known. */
  readonly path: string | undefined;
  /** Exit code of the failed command, when one ran. */
  readonly exitCode: number | undefined;
  /** The last lines of the command's stderr. */
  readonly stderrTail: string | undefined;

  constructor(
    code: GitErrorCode,
    message: string,
    fields: {
      resource: string;
      host?: string | undefined;
      path?: string | undefined;
      exitCode?: number | undefined;
      stderrTail?: string | undefined;
      hint?: string | undefined;
    },
  ) {
    super(code, message, fields.hint === undefined ? {} : { hint: fields.hint });
    this.name = 'GitError';
    this.resource = fields.resource;
    this.host = fields.host;
    this.path = fields.path;
    this.exitCode = fields.exitCode;
    this.stderrTail = fields.stderrTail;
  }
}
