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

export function createProgress(io: CliIo, options: { live: boolean; now?: () => number }): Progress {
  const now = options.now ?? (() => performance.now());
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
    if (shown) process.stderr.write('\r\u001b[2K');
    shown = false;
  };
  const draw = () => {
    clear();
    if (running.size === 0) return;
    const parts = [...running.values()].map((r) => `${r.label} ${seconds(now() - r.started)}`);
    const width = process.stderr.columns ?? 100;
    process.stderr.write(`… ${parts.join(' | ')}`.slice(0, width - 1));
    shown = true;
  };
  const timer = setInterval(draw, 200);
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
