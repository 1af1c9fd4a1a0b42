import type { HostCommand, JsonValue, KindHandler, Observed, Operation } from '@stratum/core';
import { hostSchema, outputTail, priorHost, priorString, shellQuote } from '@stratum/core/kit';
import { z } from 'zod';

/** `system_ufw_rule`: one ufw rule, `ufw <rule> <port>`. */
export const systemUfwRuleSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target whose firewall holds the rule.'),
    /** `22/tcp`, `8080`, `60000:61000/udp`, ... handed to ufw as one word. */
    port: z
      .string()
      .min(1)
      .regex(/^[^\s-][^\s]*$/, 'expected a ufw port specifier such as "22/tcp" (no spaces, no leading "-")')
      .describe('What ufw takes as a port: `22/tcp`, `8080`, `6000:6010/udp`.'),
    rule: z
      .enum(['allow', 'deny', 'reject', 'limit'])
      .describe("The rule's action: `allow`, `deny`, `reject` or `limit`."),
  })
  .describe('One ufw rule, `ufw <rule> <port>`.');

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

interface UfwRule {
  host: string;
  port: string;
  rule: string;
}

function addRule(attrs: SystemUfwRuleAttrs): HostCommand {
  return {
    command: ufwCommand(attrs.rule, attrs.port),
    step: `ufw ${attrs.rule} ${attrs.port}`,
    hint: 'Check that ufw is installed on the host and that the port specifier is one ufw accepts.',
  };
}

/** Removing a rule never stops an apply: a rule already gone is the goal, anything else is a warning. */
function deleteRule(old: UfwRule): HostCommand {
  return {
    command: ufwDeleteCommand(old.rule, old.port),
    step: `ufw delete ${old.rule} ${old.port}`,
    host: old.host,
    onFailure: 'warn',
  };
}

function ruleOperation(attrs: SystemUfwRuleAttrs, commands: HostCommand[]): Operation {
  const { host, port, rule } = attrs;
  return {
    host,
    commands,
    trace: [`[system] UFW ${rule} ${port} on ${host}`],
    record: () => ({ host, port, rule }),
  };
}

function priorRule(request: { kind: string; name: string; prior: JsonValue }): UfwRule | undefined {
  const host = priorHost(request);
  const port = priorString(request.prior, 'port');
  const rule = priorString(request.prior, 'rule');
  return port === undefined || rule === undefined ? undefined : { host, port, rule };
}

export const systemUfwRuleKind: KindHandler<SystemUfwRuleAttrs> = {
  schema: systemUfwRuleSchema,
  identity: ['host', 'port', 'rule'],

  create: ({ attrs }) => ruleOperation(attrs, [addRule(attrs)]),

  update(request) {
    const { attrs } = request;
    const old = priorRule(request);
    // The new rule is in place first; only then is the one it replaces removed,
    // so a changed port never leaves a window with neither rule.
    const commands = [addRule(attrs)];
    if (
      old !== undefined &&
      (old.host !== attrs.host || old.port !== attrs.port || old.rule !== attrs.rule)
    ) {
      commands.push(deleteRule(old));
    }
    return ruleOperation(attrs, commands);
  },

  delete(request) {
    const old = priorRule(request);
    return { host: priorHost(request), commands: old === undefined ? [] : [deleteRule(old)] };
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
