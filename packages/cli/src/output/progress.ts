import { addrKey, type PlannedResource } from '@stratum/core';
import type { CliIo } from '../io';

/**
 * Apply progress. On a terminal: one status line at the bottom of stderr,
 * redrawn every 200 ms, naming each running step with its host and elapsed
 * time; provider trace lines print above it. Elsewhere (pipes, CI): one plain
 * line per finished step.
 */
export interface Progress {
  start(step: PlannedResource, host: string | undefined): void;
  done(step: PlannedResource, elapsedMs: number): void;
  failed(step: PlannedResource): void;
  /** A line from a provider (trace) — printed without tearing the status line. */
  log(line: string): void;
  stop(): void;
}

const SYMBOL = { create: '+', update: '~', delete: '-', noop: ' ' } as const;

export interface ProgressOptions {
  live: boolean;
  now?: () => number;
  /** Where the live status line goes (default: the process's stderr). */
  write?: (text: string) => void;
  columns?: number;
  /** Redraw period of the live line (default 200 ms). */
  intervalMs?: number;
}

export function createProgress(io: CliIo, options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  if (!options.live) {
    return {
      start: () => {},
      done: (step, ms) =>
        io.err(`[apply] ${SYMBOL[step.action]} ${addrKey(step.addr)} done in ${seconds(ms)}`),
      failed: (step) => io.err(`[apply] ${SYMBOL[step.action]} ${addrKey(step.addr)} FAILED`),
      log: (line) => io.err(line),
      stop: () => {},
    };
  }
  const running = new Map<string, { label: string; started: number }>();
  let shown = false;
  const clear = () => {
    if (shown) write('\r\u001b[2K');
    shown = false;
  };
  const draw = () => {
    clear();
    if (running.size === 0) return;
    const parts = [...running.values()].map((r) => `${r.label} ${seconds(now() - r.started)}`);
    const width = options.columns ?? process.stderr.columns ?? 100;
    write(`… ${parts.join(' | ')}`.slice(0, width - 1));
    shown = true;
  };
  const timer = setInterval(draw, options.intervalMs ?? 200);
  timer.unref();
  return {
    start(step, host) {
      running.set(addrKey(step.addr), {
        label: `${addrKey(step.addr)}${host ? ` on ${host}` : ''}`,
        started: now(),
      });
      draw();
    },
    done(step, ms) {
      running.delete(addrKey(step.addr));
      clear();
      io.err(`\u2713 ${SYMBOL[step.action]} ${addrKey(step.addr)} (${seconds(ms)})`);
      draw();
    },
    failed(step) {
      running.delete(addrKey(step.addr));
      clear();
      io.err(`\u2717 ${SYMBOL[step.action]} ${addrKey(step.addr)}`);
      draw();
    },
    log(line) {
      clear();
      io.err(line);
      draw();
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
