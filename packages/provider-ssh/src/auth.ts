import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AnyAuthMethod,
  AuthenticationType,
  AuthHandlerMiddleware,
  NextAuthHandler,
  ParsedKey,
} from 'ssh2';
import type { IdentityAttempt } from './errors';
import { loadSsh2 } from './ssh2-module';

/** The key files ssh tries when ssh config names none, in its order. */
export function defaultIdentityFiles(homeDir: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homeDir, '.ssh', name));
}

type Candidate =
  | { kind: 'agent'; socket: string; attempt: { source: string; outcome: string } }
  | { kind: 'file'; path: string; key: ParsedKey; attempt: { source: string; outcome: string } };

export interface AuthPlanInput {
  user: string;
  /** The agent socket to use; null or undefined for none. */
  agentSocket: string | null | undefined;
  /** Identity files in the order to offer them. */
  identityFiles: readonly string[];
  /** Files named explicitly (by ssh config or the caller): a missing one is reported, a missing default is not. */
  explicitFiles: ReadonlySet<string>;
}

/**
 * One authentication run: the identities to offer, in order, and what became
 * of each. Keys only, like `ssh -o BatchMode=yes`: the agent's keys first, then
 * each identity file. Encrypted files are skipped (we never prompt).
 */
export class AuthSession {
  readonly #user: string;
  readonly #candidates: Candidate[];
  readonly #attempts: { source: string; outcome: string }[];
  #next = 0;

  private constructor(
    user: string,
    candidates: Candidate[],
    attempts: { source: string; outcome: string }[],
  ) {
    this.#user = user;
    this.#candidates = candidates;
    this.#attempts = attempts;
  }

  static async prepare(input: AuthPlanInput): Promise<AuthSession> {
    const attempts: { source: string; outcome: string }[] = [];
    const candidates: Candidate[] = [];
    if (input.agentSocket) {
      const attempt = { source: `ssh-agent (${input.agentSocket})`, outcome: 'not tried' };
      attempts.push(attempt);
      if (isSocket(input.agentSocket)) {
        candidates.push({ kind: 'agent', socket: input.agentSocket, attempt });
      } else {
        attempt.outcome = 'socket not found';
      }
    }
    for (const path of new Set(input.identityFiles)) {
      const loaded = await loadIdentity(path);
      if (loaded.key) {
        const attempt = { source: path, outcome: 'not tried' };
        attempts.push(attempt);
        candidates.push({ kind: 'file', path, key: loaded.key, attempt });
      } else if (loaded.problem !== 'not found' || input.explicitFiles.has(path)) {
        attempts.push({ source: path, outcome: loaded.problem });
      }
    }
    return new AuthSession(input.user, candidates, attempts);
  }

  /** Every identity considered, with its outcome so far. */
  get attempts(): readonly IdentityAttempt[] {
    return this.#attempts.map((a) => ({ ...a }));
  }

  /** The ssh2 `authHandler`: offers the next identity each time the previous one was refused. */
  readonly handler: AuthHandlerMiddleware = (
    methodsLeft: AuthenticationType[] | null,
    _partial: boolean | null,
    next: NextAuthHandler,
  ) => {
    const previous = this.#candidates[this.#next - 1];
    if (previous && previous.attempt.outcome === 'offered') {
      previous.attempt.outcome = previous.kind === 'agent' ? 'no agent key accepted' : 'rejected';
    }
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      for (const c of this.#candidates.slice(this.#next)) {
        c.attempt.outcome = `not tried: the server only accepts ${methodsLeft.join(', ') || 'nothing'}`;
      }
      next(false as unknown as AuthenticationType);
      return;
    }
    const candidate = this.#candidates[this.#next++];
    if (!candidate) {
      next(false as unknown as AuthenticationType);
      return;
    }
    candidate.attempt.outcome = 'offered';
    const method: AnyAuthMethod =
      candidate.kind === 'agent'
        ? { type: 'agent', username: this.#user, agent: candidate.socket }
        : { type: 'publickey', username: this.#user, key: candidate.key };
    next(method);
  };

  /** ssh2 reports agent trouble as a client error and moves on; we note it against the agent. */
  noteAgentError(err: Error): void {
    const agent = this.#candidates.find((c) => c.kind === 'agent');
    if (agent) agent.attempt.outcome = `agent error: ${err.message}`;
  }
}

// Synchronous, like every local read on the way to a connect (see ssh-config.ts's readConfigText).
function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

async function loadIdentity(
  path: string,
): Promise<{ key: ParsedKey; problem?: undefined } | { key?: undefined; problem: string }> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'not found' : `unreadable: ${(err as Error).message}` };
  }
  const parsed = (await loadSsh2()).utils.parseKey(data);
  if (parsed instanceof Error) {
    return /encrypted|passphrase/i.test(parsed.message)
      ? { problem: 'skipped: encrypted with a passphrase; load it into ssh-agent with ssh-add' }
      : { problem: `skipped: not a private key ssh2 can read (${parsed.message})` };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) return { problem: 'skipped: not a private key' };
  return { key };
}
