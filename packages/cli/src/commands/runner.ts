import type { CliIo } from '../io';

/**
 * How a command's handler reaches the outside: `main` passes the io and
 * collects the exit code, so command modules stay free of `process`.
 */
export interface CommandRunner {
  io: CliIo;
  exitCode: number;
}

export async function runCommand<F>(
  runner: CommandRunner,
  flags: F,
  implementation: (flags: F, io: CliIo) => Promise<number>,
): Promise<void> {
  runner.exitCode = await implementation(flags, runner.io);
}
