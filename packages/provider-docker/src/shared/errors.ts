import { StratumError } from '@stratum/core';

/** Codes of the errors the docker provider throws. */
export type DockerErrorCode = 'DockerCommandFailed' | 'DockerInvalidAttribute' | 'DockerUnexpectedOutput';

/**
 * A docker command on a host failed, or its attributes cannot be lowered to a
 * command. Messages carry the resource, the host, the exit code and the tail of
 * docker's stderr — never the constructed command, which may hold secret
 * plaintext (env values, build args).
 */
export class DockerError extends StratumError<DockerErrorCode> {
  /** The resource kind, e.g. `docker_container`. */
  readonly kind: string;
  /** The resource name (its label in the config). */
  readonly resource: string;
  /** The SSH target the command ran on, when it ran. */
  readonly host: string | undefined;
  /** Exit code of the failed command, when one ran. */
  readonly exitCode: number | undefined;
  /** The last lines of the command's stderr, with known sensitive values masked. */
  readonly stderrTail: string | undefined;

  constructor(
    code: DockerErrorCode,
    message: string,
    fields: {
      kind: string;
      resource: string;
      host?: string | undefined;
      exitCode?: number | undefined;
      stderrTail?: string | undefined;
      hint?: string | undefined;
    },
  ) {
    super(code, message, fields.hint === undefined ? {} : { hint: fields.hint });
    this.name = 'DockerError';
    this.kind = fields.kind;
    this.resource = fields.resource;
    this.host = fields.host;
    this.exitCode = fields.exitCode;
    this.stderrTail = fields.stderrTail;
  }
}
