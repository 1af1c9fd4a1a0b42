import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ExecOptions, ExecResult, Transport } from '../transport';

/**
 * A transport that runs every command on THIS machine with `/bin/sh -c`,
 * whatever the host: for testing that a probe's snippet and parser agree with
 * a real POSIX shell. Only run commands that are safe to run locally.
 */
export function createLocalShellTransport(): Transport {
  return {
    // It reads an async-iterable stdin as it comes and reports stdout as it arrives.
    streaming: true,
    exec(_host: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
      return new Promise((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', command], {
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
        });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const decoder = new TextDecoder();
        const onStdout = options.onStdout;
        child.stdout.on('data', (chunk: Buffer) => {
          if (onStdout === undefined) stdout.push(chunk);
          else onStdout(decoder.decode(chunk, { stream: true }));
        });
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          const rest = decoder.decode();
          if (onStdout !== undefined && rest !== '') onStdout(rest);
          resolve({
            // A shell reports death by signal N as 128 + N; do the same.
            exitCode: code ?? 128 + signalNumber(signal),
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          });
        });
        child.stdin.on('error', () => undefined); // The command may exit without reading stdin.
        writeStdin(child.stdin, options.stdin).catch(reject);
      });
    },
  };
}

async function writeStdin(sink: NodeJS.WritableStream, source: ExecOptions['stdin']): Promise<void> {
  if (source === undefined) {
    sink.end();
    return;
  }
  if (typeof source === 'string' || source instanceof Uint8Array) {
    sink.end(source);
    return;
  }
  for await (const chunk of source) sink.write(chunk);
  sink.end();
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
