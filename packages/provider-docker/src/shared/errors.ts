import { StratumError } from '@stratum/core';

/**
 * Codes of the errors the docker provider throws itself. A docker command
 * that exits non-zero is core's `CommandFailedError`, not one of these.
 */
export type DockerErrorCode =
  /** An attribute cannot be lowered to a docker command (a caller that skipped the schema). */
  | 'DockerInvalidAttribute'
  /** Docker succeeded but printed something the provider cannot record (no container id). */
  | 'DockerUnexpectedOutput'
  /** A container's healthcheck reported `unhealthy` after create / update. */
  | 'ContainerUnhealthy'
  /** A container was not healthy before the readiness polls ran out. */
  | 'ContainerHealthTimeout'
  /** The health status could not be read at all (the container is gone, docker is down). */
  | 'ContainerHealthUnreadable';

/** Where a {@link DockerError} happened. */
export interface DockerErrorFields {
  /** The resource kind, e.g. `docker_container`. */
  readonly kind: string;
  /** The resource name (its label in the config). */
  readonly resource: string;
  /** The SSH target, when the error is about one. */
  readonly host?: string | undefined;
  readonly hint?: string | undefined;
}

/**
 * An error of the docker provider that is not a failed command. Messages
 * name the resource and the host, never attribute values or the constructed
 * command (both may hold secret plaintext: env values, build args).
 */
export class DockerError<Code extends DockerErrorCode = DockerErrorCode> extends StratumError<Code> {
  static override readonly marker: string = '@stratum/provider-docker/DockerError';

  /** The resource kind, e.g. `docker_container`. */
  readonly kind: string;
  /** The resource name (its label in the config). */
  readonly resource: string;
  /** The SSH target, when the error is about one. */
  readonly host: string | undefined;

  constructor(code: Code, message: string, fields: DockerErrorFields) {
    super(code, message, { hint: fields.hint });
    this.name = 'DockerError';
    this.kind = fields.kind;
    this.resource = fields.resource;
    this.host = fields.host;
  }
}
