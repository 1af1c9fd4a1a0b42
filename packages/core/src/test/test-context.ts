import type { ProviderContext } from '../provider';
import type { Transport } from '../transport';
import { createRecordingTransport } from './recording-transport';

/** One line a provider logged. */
export interface LogLine {
  readonly level: 'trace' | 'warn' | 'debug';
  readonly line: string;
}

/** A {@link ProviderContext} that keeps what was logged and can be aborted. */
export interface TestContext extends ProviderContext {
  /** Every logged line, in order. */
  readonly lines: LogLine[];
  /** The `trace` lines only: what an operator would see. */
  traces(): string[];
  /** The `warn` lines only. */
  warnings(): string[];
  /** Aborts `signal`, as an interrupted run would. */
  abort(reason?: unknown): void;
}

/**
 * A provider context for tests: `transport` (by default a recording transport
 * that answers nothing), a logger that collects lines, and an abortable signal.
 */
export function createTestContext(transport: Transport = createRecordingTransport()): TestContext {
  const lines: LogLine[] = [];
  const controller = new AbortController();
  const of = (level: LogLine['level']) => lines.filter((l) => l.level === level).map((l) => l.line);
  return {
    transport,
    signal: controller.signal,
    log: {
      trace: (line) => lines.push({ level: 'trace', line }),
      warn: (line) => lines.push({ level: 'warn', line }),
      debug: (line) => lines.push({ level: 'debug', line }),
    },
    lines,
    traces: () => of('trace'),
    warnings: () => of('warn'),
    abort: (reason) => controller.abort(reason),
  };
}
