import { StratumError } from '@stratum/core';

/** What went wrong while setting up or tearing down a test host. */
export type TestkitErrorCode =
  | 'CommandFailed'
  | 'CommandTimeout'
  | 'ServiceExited'
  | 'ServiceNotReady'
  | 'DockerUnavailable'
  | 'ImageBuildFailed'
  | 'DropletNotReady'
  | 'GitFailed';

/**
 * The error every testkit helper throws. Test hosts are infrastructure: when one
 * cannot start, the message names the host, and `detail` carries the tail of its
 * log so a CI failure can be understood without re-running it.
 */
export class TestkitError extends StratumError<TestkitErrorCode> {
  static override readonly marker: string = '@stratum/testkit/TestkitError';

  /** Tail of the relevant output (a command's stderr, a service's log); may be empty. */
  readonly detail: string;

  constructor(
    code: TestkitErrorCode,
    message: string,
    options: { hint?: string; detail?: string; cause?: unknown } = {},
  ) {
    const detail = options.detail?.trim() ?? '';
    super(code, detail === '' ? message : `${message}\n--- output ---\n${detail}`, {
      hint: options.hint,
      cause: options.cause,
    });
    this.name = 'TestkitError';
    this.detail = detail;
  }
}
