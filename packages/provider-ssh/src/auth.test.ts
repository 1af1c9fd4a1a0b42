import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthSession, defaultIdentityFiles } from './auth';
import { createSshTransport } from './transport';

let sshd: LoopbackSshd;
let agent: ChildProcess | undefined;
let agentSocket: string;

beforeAll(async () => {
  sshd = await startLoopbackSshd();
  agentSocket = join(sshd.tempDir, 'agent.sock');
  // A private ssh-agent in the foreground (-D), so we can wait for it on teardown.
  agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (
      await access(agentSocket).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent?.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  await sshd?.stop();
});

describe('AuthSession', () => {
  it('reports explicit files that are missing, skips missing defaults silently, and skips encrypted keys', async () => {
    const encrypted = join(sshd.tempDir, 'encrypted_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-passphrase', '-f', encrypted]);
    const missing = join(sshd.tempDir, 'missing');
    const session = await AuthSession.prepare({
      user: 'root',
      agentSocket: null,
      identityFiles: [
        ...defaultIdentityFiles(join(sshd.tempDir, 'nohome')),
        encrypted,
        missing,
        sshd.clientKeyPath,
      ],
      explicitFiles: new Set([missing]),
    });
    expect(session.attempts).toEqual([
      {
        source: encrypted,
        outcome: 'skipped: encrypted with a passphrase; load it into ssh-agent with ssh-add',
      },
      { source: missing, outcome: 'not found' },
      { source: sshd.clientKeyPath, outcome: 'not tried' },
    ]);
  });
});

describe('ssh-agent', () => {
  it('authenticates with a key held only by the agent', async () => {
    execFileSync('ssh-add', ['-q', sshd.clientKeyPath], {
      env: { ...process.env, SSH_AUTH_SOCK: agentSocket },
      stdio: 'pipe',
    });
    // No identity file is offered (and the home dir has no defaults): only the agent can prove who we are.
    const t = createSshTransport({ ...sshd.transportOptions, identityFiles: [], agentSocket });
    try {
      expect((await t.exec(sshd.addr, 'echo via agent')).stdout).toBe('via agent\n');
    } finally {
      await t.close();
    }
  });

  it('uses $SSH_AUTH_SOCK when no agent socket is given', async () => {
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = agentSocket;
    const { agentSocket: _ignored, ...options } = sshd.transportOptions;
    const t = createSshTransport({ ...options, identityFiles: [] });
    try {
      expect((await t.exec(sshd.addr, 'true')).exitCode).toBe(0);
    } finally {
      await t.close();
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });

  it('names the agent among the identities tried when nothing works', async () => {
    execFileSync('ssh-add', ['-q', '-D'], {
      env: { ...process.env, SSH_AUTH_SOCK: agentSocket },
      stdio: 'pipe',
    });
    const t = createSshTransport({ ...sshd.transportOptions, identityFiles: [], agentSocket });
    try {
      await expect(t.exec(sshd.addr, 'true')).rejects.toMatchObject({
        code: 'AuthFailed',
        message: expect.stringContaining(`ssh-agent (${agentSocket}) (no agent key accepted)`),
      });
    } finally {
      await t.close();
    }
  });
});
