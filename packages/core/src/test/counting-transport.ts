import type { ExecOptions, ExecResult, Transport } from '../transport';

/** A transport that passes every exec to another one and remembers each command. */
export interface CountingTransport extends Transport {
  /** Every command run, in order. */
  readonly execs: string[];
}

/**
 * Wraps `inner`, recording each `exec`'s command (its streaming as it is):
 * for checking how many round trips something costs against a real shell or sshd.
 */
export function countExecs(inner: Transport): CountingTransport {
  const execs: string[] = [];
  return {
    execs,
    streaming: inner.streaming,
    exec(host: string, command: string, options?: ExecOptions): Promise<ExecResult> {
      execs.push(command);
      return inner.exec(host, command, options);
    },
  };
}
