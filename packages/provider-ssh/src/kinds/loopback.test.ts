/**
 * ssh_exec and ssh_file through the real pooled transport against the loopback
 * sshd (which is this machine: everything stays under one temp dir).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Drift, JsonObject, KindHandler } from '@stratum/core';
import { createPlan, Registry, refreshPlan } from '@stratum/core';
import { sha256Hex, shellQuote } from '@stratum/core/kit';
import { createTestContext, runStep, type StepRequest } from '@stratum/core/test';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../transport';
import { createSshProvider } from './ssh-provider';

let sshd: LoopbackSshd;
let transport: SshTransport;
const root = mkdtempSync(join(tmpdir(), 'stratum-ssh-kinds-'));
const provider = createSshProvider();

beforeAll(async () => {
  sshd = await startLoopbackSshd();
  transport = createSshTransport(sshd.transportOptions);
});

afterAll(async () => {
  await transport?.close();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

const handler = (kind: string) => provider.kinds[kind] as KindHandler;

/** Runs one step through the transport the way the engine does; returns what it recorded. */
async function step(kind: string, request: StepRequest<JsonObject>, ctx = createTestContext(transport)) {
  return (await runStep(handler(kind), request, ctx)).recorded!;
}

/** Reads one resource through core's refreshPlan (one probe batch over the transport). */
async function drift(kind: string, name: string, prior: JsonObject): Promise<Drift> {
  const plan = createPlan([
    { addr: { kind, name }, provider: 'ssh', desired: prior, prior, action: 'noop', changes: [] },
  ]);
  const refreshed = await refreshPlan(plan, new Registry([provider]), createTestContext(transport));
  return refreshed.steps[0]!.drift!;
}

describe('ssh_exec on a real host', () => {
  it('runs with exported env, records output, reruns on update, runs on_destroy on delete', async () => {
    const marker = join(root, 'exec marker');
    const token = "tok-$(not run)-'quoted'-0123456789";
    const attrs = handler('ssh_exec').schema.parse({
      host: sshd.addr,
      command: `printf '%s' "$TOKEN" > ${shellQuote(marker)}; echo "greeting=$GREETING"; echo warn >&2`,
      env: { TOKEN: token, GREETING: 'hi there' },
      on_destroy: `rm -f ${shellQuote(marker)}`,
    }) as JsonObject;
    const ctx = createTestContext(transport);
    const s1 = await step('ssh_exec', { action: 'create', kind: 'ssh_exec', name: 'mark', attrs }, ctx);
    expect(readFileSync(marker, 'utf8')).toBe(token);
    expect(s1).toMatchObject({ stdout: 'greeting=hi there\n', stderr: 'warn\n', exit_code: 0 });
    expect(ctx.traces()).toEqual([`[ssh] EXEC \`mark\` on ${sshd.addr}`]);
    expect(await drift('ssh_exec', 'mark', s1)).toMatchObject({
      changes: [],
      missing: false,
      unreadable: 'ssh_exec has no readable identity on the host',
    });

    rmSync(marker);
    await step('ssh_exec', { action: 'update', kind: 'ssh_exec', name: 'mark', attrs, prior: s1 }, ctx);
    expect(existsSync(marker)).toBe(true);

    await runStep(handler('ssh_exec'), { action: 'delete', kind: 'ssh_exec', name: 'mark', prior: s1 }, ctx);
    expect(existsSync(marker)).toBe(false);
    expect(ctx.traces().at(-1)).toBe(`[ssh] EXEC \`mark\` on_destroy on ${sshd.addr}`);
  });

  it('a failing command fails with its stderr, the secret masked', async () => {
    const secret = 'ghp_supersecretvalue42';
    const attrs = {
      host: sshd.addr,
      command: 'echo "denied for $TOKEN" >&2; exit 3',
      env: { TOKEN: secret },
    };
    const error = (await step('ssh_exec', { action: 'create', kind: 'ssh_exec', name: 'fail', attrs }).catch(
      (e: unknown) => e,
    )) as Error & { code: string; exitCode: number };
    expect(error.code).toBe('CommandFailed');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`ssh_exec.fail: command failed on ${sshd.addr} (exit 3):\ndenied for ***`);
  });
});

describe('ssh_file on a real host', () => {
  it('create → read → update → read → hand-made drift → delete', async () => {
    const path = join(root, "motd 'x'");
    const host = sshd.addr;
    const parse = (attrs: object) => handler('ssh_file').schema.parse(attrs) as JsonObject;
    const ctx = createTestContext(transport);
    const s1 = await step(
      'ssh_file',
      {
        action: 'create',
        kind: 'ssh_file',
        name: 'motd',
        attrs: parse({ host, path, content: 'Managed by stratum.\n' }),
      },
      ctx,
    );
    expect(s1).toEqual({ host, path, mode: '0644', sha256: sha256Hex('Managed by stratum.\n') });
    expect(readFileSync(path, 'utf8')).toBe('Managed by stratum.\n');
    expect(await drift('ssh_file', 'motd', s1)).toMatchObject({ changes: [], missing: false });

    const s2 = await step(
      'ssh_file',
      {
        action: 'update',
        kind: 'ssh_file',
        name: 'motd',
        attrs: parse({ host, path, content: 'v2\n', mode: '600' }),
        prior: s1,
      },
      ctx,
    );
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(await drift('ssh_file', 'motd', s2)).toMatchObject({ changes: [], missing: false });
    await step(
      'ssh_file',
      {
        action: 'update',
        kind: 'ssh_file',
        name: 'motd',
        attrs: parse({ host, path, content: 'v2\n', mode: '600' }),
        prior: s2,
      },
      ctx,
    );
    expect(ctx.traces()).toEqual([
      `[ssh] FILE \`motd\` -> ${host}:${path}`,
      `[ssh] FILE \`motd\` -> ${host}:${path}`,
      `[ssh] FILE \`motd\` on ${host} unchanged (sha256 match)`,
    ]);

    writeFileSync(path, 'hand edit');
    chmodSync(path, 0o644);
    expect((await drift('ssh_file', 'motd', s2)).changes).toEqual([
      { field: 'mode', from: '600', to: '0644' },
      { field: 'sha256', from: s2.sha256, to: sha256Hex('hand edit') },
    ]);
    await runStep(handler('ssh_file'), { action: 'delete', kind: 'ssh_file', name: 'motd', prior: s2 }, ctx);
    expect(existsSync(path)).toBe(false);
    expect(await drift('ssh_file', 'motd', s2)).toMatchObject({ changes: [], missing: true });
  });
});
