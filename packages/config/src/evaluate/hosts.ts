import type { JsonObject, JsonValue } from '@stratum/core';
import type { Span } from '../ast';
import type { HostDecl } from '../extracted';
import { evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { describeJson, getOwn } from './json';
import { expectLabels } from './labels';
import { forbidReferences, variablesOnly } from './references';

/** A host plus where its attributes were written (the implicit resources point at `addr`). */
export interface EvaluatedHost {
  decl: HostDecl;
  spans: Map<string, Span>;
}

/**
 * Pass 1: host blocks, evaluated with only the variables in scope. Hosts can
 * reference nothing else, so any other reference (bare or inside a `${...}`)
 * is an error.
 */
export function evaluateHosts(
  blocks: readonly UnitBlock[],
  vars: ReadonlyMap<string, JsonValue>,
  ctx: EvalContext,
): EvaluatedHost[] {
  const refs = variablesOnly(
    vars,
    forbidReferences(
      'RefInHostBlock',
      'references not allowed inside host blocks',
      'host blocks are evaluated before everything but variables and hold literals or `var.*`; write the value out',
      ctx,
    ),
    ctx,
  );
  const duplicates = new DuplicateTracker('DuplicateHost', 'host', ctx);
  const hosts: EvaluatedHost[] = [];
  for (const { block } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const { attrs, spans } = evaluateBody(block.body, refs, ctx);
    checkTuning(name, attrs, spans, ctx);
    checkSudo(name, attrs, spans, ctx);
    checkSudoUser(name, attrs, spans, ctx);
    checkJump(name, attrs, spans, ctx);
    checkAddr(name, attrs, spans, ctx);
    hosts.push({ decl: { name, attrs, file: block.span.file, location: toLocation(block.span) }, spans });
  }
  checkAddrPairing(hosts, ctx);
  return hosts;
}

/** The host attributes that change how a connection is made, besides `addr`. */
const CONNECTION_ATTRS = ['port', 'sudo', 'sudo_user', 'jump'] as const;

/**
 * A resource names its host by the host's `addr` (`host = host.web.addr`), so
 * the transport finds the connection settings by that string. Two blocks with
 * one `addr` and different settings would send everything to whichever block
 * won; refuse the pair instead, naming both.
 */
function checkAddrPairing(hosts: readonly EvaluatedHost[], ctx: EvalContext): void {
  const byAddr = new Map<string, EvaluatedHost>();
  for (const host of hosts) {
    const addr = getOwn(host.decl.attrs, 'addr');
    if (typeof addr !== 'string') continue;
    const first = byAddr.get(addr);
    if (first === undefined) {
      byAddr.set(addr, host);
      continue;
    }
    const differs = CONNECTION_ATTRS.filter(
      (key) => JSON.stringify(getOwn(first.decl.attrs, key)) !== JSON.stringify(getOwn(host.decl.attrs, key)),
    );
    if (differs.length === 0) continue;
    const shown = (h: EvaluatedHost) =>
      differs
        .map((key) => {
          const value = getOwn(h.decl.attrs, key);
          return value === undefined ? `no ${key}` : `${key} ${JSON.stringify(value)}`;
        })
        .join(', ');
    const at =
      first.decl.file === undefined
        ? `line ${first.decl.location.line}`
        : `${first.decl.file}:${first.decl.location.line}`;
    throw ctx.error(
      'AmbiguousHostAddr',
      `hosts \`${first.decl.name}\` (${at}) and \`${host.decl.name}\` share addr \`${addr}\` but connect differently (${shown(first)} vs ${shown(host)})`,
      host.spans.get('addr') ?? host.spans.get(differs[0]!),
      'resources reach a host by its addr, so both would go to one place: give one block an ssh config alias as its addr (a Host entry with its own Port), or merge the two blocks',
    );
  }
}

/** `tuning = false` opts a host out of the implicit per-host resources; nothing but a bool is accepted. */
function checkTuning(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const tuning = getOwn(attrs, 'tuning');
  if (tuning === undefined || typeof tuning === 'boolean') return;
  throw ctx.error(
    'BadHostTuning',
    `host \`${name}\`: \`tuning\` must be true or false, found ${describeJson(tuning)}`,
    spans.get('tuning'),
    'write `tuning = false` to skip the implicit swap and sshd resources for this host, or remove the attribute',
  );
}

/** `jump`: the bastion (`"user@host:port"`) or the list of hops, first to last, to reach the host through. */
function checkJump(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const jump = getOwn(attrs, 'jump');
  if (jump === undefined) return;
  const hops = typeof jump === 'string' ? [jump] : Array.isArray(jump) ? jump : undefined;
  const bad =
    hops === undefined ||
    hops.length === 0 ||
    hops.some(
      (hop) =>
        typeof hop !== 'string' || !/^(?:[^@\s]+@)?(?:\[[0-9A-Fa-f:.]+\]|[^:@\s[\]]+)(?::\d+)?$/.test(hop),
    );
  if (!bad) return;
  throw ctx.error(
    'BadHostJump',
    `host \`${name}\`: \`jump\` must be a jump host "user@host[:port]" or a list of them, found ${describeJson(jump)}`,
    spans.get('jump'),
    'write `jump = "user@bastion:2222"`, or `jump = ["user@outer", "user@inner"]` for several hops, first to last',
  );
}

/** `sudo = true` runs every command on the host as root through `sudo -n`; nothing but a bool is accepted. */
function checkSudo(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const sudo = getOwn(attrs, 'sudo');
  if (sudo === undefined || typeof sudo === 'boolean') return;
  throw ctx.error(
    'BadHostSudo',
    `host \`${name}\`: \`sudo\` must be true or false, found ${describeJson(sudo)}`,
    spans.get('sudo'),
    'write `sudo = true` to run commands on this host as root through sudo (the login user needs passwordless sudo), or remove the attribute',
  );
}

/**
 * `sudo_user = "postgres"` runs commands as that user instead of root (`sudo -n -u`). It refines
 * `sudo = true` and needs it: alone, it would leave unclear whether sudo is wanted at all.
 */
function checkSudoUser(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const user = getOwn(attrs, 'sudo_user');
  if (user === undefined) return;
  if (typeof user !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(user)) {
    throw ctx.error(
      'BadHostSudoUser',
      `host \`${name}\`: \`sudo_user\` must be a user name, found ${typeof user === 'string' ? JSON.stringify(user) : describeJson(user)}`,
      spans.get('sudo_user'),
      'write the name of an account on the host, e.g. `sudo_user = "postgres"`, or remove the attribute to run as root',
    );
  }
  if (getOwn(attrs, 'sudo') !== true) {
    throw ctx.error(
      'BadHostSudoUser',
      `host \`${name}\`: \`sudo_user\` needs \`sudo = true\``,
      spans.get('sudo_user'),
      `add \`sudo = true\` to run commands on this host as ${user} through sudo, or remove \`sudo_user\``,
    );
  }
}

/**
 * `addr` is `[user@]host`, as ssh reads its destination: the last `@` ends the
 * user, and an IPv6 literal may stand in brackets (`root@[2001:db8::1]`) or
 * bare. A port is not part of it — ssh itself would look up `10.0.0.5:2222` as
 * a host name — so `host:port` and `[v6]:port` are refused with the `port`
 * attribute to use instead, rather than guessed at: `addr` is also how state
 * and resources name the host, and one host must have one spelling.
 */
function checkAddr(name: string, attrs: JsonObject, spans: Map<string, Span>, ctx: EvalContext): void {
  const addr = getOwn(attrs, 'addr');
  if (typeof addr !== 'string') return;
  const at = addr.lastIndexOf('@');
  const user = at >= 0 ? addr.slice(0, at + 1) : '';
  const host = addr.slice(at + 1);
  const refuse = (problem: string, hint: string) => {
    throw ctx.error('BadHostAddr', `host \`${name}\`: addr \`${addr}\` ${problem}`, spans.get('addr'), hint);
  };
  if (host === '')
    refuse('names no host after the user', 'write `addr = "user@hostname"`, or an ssh config alias');
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(host);
  if (host.startsWith('[')) {
    if (!bracketed || !bracketed[1]!.includes(':'))
      refuse(
        'has a `[` that does not enclose an IPv6 address',
        'write an IPv6 address as `root@[2001:db8::1]`',
      );
    if (bracketed![2] !== undefined)
      refuse(
        'holds a port',
        `write \`addr = "${user}[${bracketed![1]}]"\` and \`port = ${bracketed![2]}\` in the host block`,
      );
    return;
  }
  // One colon followed by digits is `host:port`; an IPv6 literal has at least two.
  const withPort = /^([^:]+):(\d+)$/.exec(host);
  if (withPort)
    refuse(
      'holds a port',
      `write \`addr = "${user}${withPort[1]}"\` and \`port = ${withPort[2]}\` in the host block`,
    );
  if (/[\s/]/.test(host))
    refuse(
      'is not a host name or address',
      'write `addr = "user@hostname"`, an IP address, or an ssh config alias',
    );
}
