import type { JsonObject, JsonValue, KindHandler, Observed, ProviderContext } from '@stratum/core';
import { outputTail, shellQuote } from '@stratum/core';
import { z } from 'zod';
import { addrOf, hostSchema, priorHost, priorString } from './attrs';
import { runLoose, runStep } from './run-step';

/** `system_ufw_rule`: one ufw rule, `ufw <rule> <port>`. */
export const systemUfwRuleSchema = z.strictObject({
  host: hostSchema,
  /** `22/tcp`, `8080`, `60000:61000/udp`, ... handed to ufw as one word. */
  port: z
    .string()
    .min(1)
    .regex(/^[^\s-][^\s]*$/, 'expected a ufw port specifier such as "22/tcp" (no spaces, no leading "-")'),
  rule: z.enum(['allow', 'deny', 'reject', 'limit']),
});

export type SystemUfwRuleAttrs = z.output<typeof systemUfwRuleSchema>;

export function ufwCommand(rule: string, port: string): string {
  return `ufw ${shellQuote(rule)} ${shellQuote(port)}`;
}

export function ufwDeleteCommand(rule: string, port: string): string {
  return `ufw delete ${shellQuote(rule)} ${shellQuote(port)}`;
}

/**
 * Lists the rules ufw has recorded, as the `ufw ...` commands that add them.
 * `ufw show added` reads ufw's own rule files, so it answers whether or not the
 * firewall is enabled (`ufw status` only lists rules of an active firewall).
 */
export const UFW_PROBE_SCRIPT = [
  'command -v ufw >/dev/null 2>&1 || { echo NO_UFW; exit 0; }',
  'out=$(ufw show added 2>&1); rc=$?',
  `printf '%s\\nUFW_RC=%s\\n' "$out" "$rc"`,
].join('\n');

/** The `ufw <rule> <port>` lines `ufw show added` printed, or a reason it could not be read. */
export function parseUfwAdded(output: string, exitCode: number): { rules: string[][] } | { reason: string } {
  const lines = output.split('\n').map((line) => line.trim());
  if (lines.includes('NO_UFW')) return { reason: 'ufw is not installed on the host' };
  const rc = lines.find((line) => line.startsWith('UFW_RC='))?.slice('UFW_RC='.length);
  const header = lines.some((line) => line.startsWith('Added user rules'));
  if (exitCode !== 0 || rc !== '0' || !header) {
    return {
      reason: `ufw show added failed (exit ${rc ?? exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  const rules = lines.filter((line) => line.startsWith('ufw ')).map((line) => line.split(/\s+/).slice(1));
  return { rules };
}

/**
 * Whether `ufw <rule> <port>` is among the added rules. Only the plain
 * two-word form matches: a rule with a direction, address or comment is a
 * different rule.
 */
export function observeUfwRule(
  target: { host: string; port: string; rule: string },
  output: string,
  exitCode: number,
): Observed {
  const parsed = parseUfwAdded(output, exitCode);
  if ('reason' in parsed)
    return { status: 'unknown', reason: `system_ufw_rule read on ${target.host}: ${parsed.reason}` };
  const found = parsed.rules.some(
    (words) => words.length === 2 && words[0] === target.rule && words[1] === target.port,
  );
  if (!found) return { status: 'absent' };
  return { status: 'present', attrs: { host: target.host, port: target.port, rule: target.rule } };
}

async function applyRule(
  request: { kind: string; name: string; attrs: SystemUfwRuleAttrs },
  ctx: ProviderContext,
): Promise<JsonObject> {
  const { host, port, rule } = request.attrs;
  await runStep(ctx, ufwCommand(rule, port), {
    resource: addrOf(request),
    host,
    step: `ufw ${rule} ${port}`,
    hint: 'Check that ufw is installed on the host and that the port specifier is one ufw accepts.',
  });
  ctx.log.trace(`[system] UFW ${rule} ${port} on ${host}`);
  return { host, port, rule };
}

async function deleteRule(
  ctx: ProviderContext,
  resource: string,
  target: { host: string; port: string; rule: string },
): Promise<void> {
  const result = await runLoose(ctx, ufwDeleteCommand(target.rule, target.port), { host: target.host });
  if (result.exitCode !== 0) {
    ctx.log.warn(
      `${resource}: ufw delete ${target.rule} ${target.port} on ${target.host} failed (exit ${result.exitCode}); ignored`,
    );
  }
}

function priorRule(request: { kind: string; name: string; prior: JsonValue }) {
  const host = priorHost(request);
  const port = priorString(request.prior, 'port');
  const rule = priorString(request.prior, 'rule');
  return port === undefined || rule === undefined ? undefined : { host, port, rule };
}

export const systemUfwRuleKind: KindHandler<SystemUfwRuleAttrs> = {
  schema: systemUfwRuleSchema,
  create: applyRule,

  async update(request, ctx) {
    const state = await applyRule(request, ctx);
    // The new rule is in place first; only then is the one it replaces removed,
    // so a changed port never leaves a window with neither rule.
    const old = priorRule(request);
    const { host, port, rule } = request.attrs;
    if (old && (old.host !== host || old.port !== port || old.rule !== rule)) {
      await deleteRule(ctx, addrOf(request), old);
    }
    return state;
  },

  async delete(request, ctx) {
    const old = priorRule(request);
    if (old) await deleteRule(ctx, addrOf(request), old);
  },

  probe(request) {
    const host = priorHost(request);
    const port = priorString(request.prior, 'port') ?? '';
    const rule = priorString(request.prior, 'rule') ?? '';
    return {
      host,
      script: UFW_PROBE_SCRIPT,
      parse: (output, exitCode) => observeUfwRule({ host, port, rule }, output, exitCode),
    };
  },
};
