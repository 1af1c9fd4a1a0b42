import { relative } from 'node:path';
import { ConfigError } from '@stratum/config';
import {
  addrKey,
  buildPlan,
  type Diagnostic,
  emptyState,
  isImplicitName,
  type Plan,
  PlanError,
  type SourceLocation,
  StratumError,
  scrubText,
} from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import {
  VALIDATE_FORMAT_VERSION,
  type ValidateDiagnostic,
  type ValidateDocument,
} from '../output/validate-json';
import { type Loaded, loadConfig, type PlanFlags } from '../pipeline';

/**
 * `stratum validate`: everything that can be checked without state or hosts —
 * syntax, evaluation, every resource's attributes against its kind's schema,
 * and the planner's validators (the kinds' claims, `depends_on`); `--json` the
 * result as a versioned document on stdout, with the same exit code.
 */
export async function runValidate(
  flags: PlanFlags & { json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  if (flags.json) return validateJson(flags, io);
  const loaded = await loadConfig(flags, io);
  const plan = planOf(loaded);
  for (const warning of plan.warnings) io.err(`warning: ${warning}`);
  const { files, resources, hosts } = summary(loaded, io);
  io.out(
    `valid: ${resources} resource${resources === 1 ? '' : 's'}, ${hosts} host${hosts === 1 ? '' : 's'} in ${files.join(', ')}`,
  );
  return 0;
}

/** The planner's validators (the kinds' claims, `depends_on`), against no state. */
function planOf(loaded: Loaded): Plan {
  return buildPlan(loaded.desired, emptyState(), {
    redaction: loaded.extracted.redaction,
    registry: loaded.registry,
  });
}

function summary(loaded: Loaded, io: CliIo) {
  return {
    files: loaded.sources.configs.map((c) => shown(c, io)),
    resources: loaded.desired.filter((r) => !isImplicitName(r.addr.name)).length,
    hosts: loaded.extracted.hosts.length,
  };
}

/**
 * The document of `validate --json`. A problem stratum knows (a config error,
 * invalid attributes, a planner refusal) becomes diagnostics and the exit code
 * plain `validate` has; anything else is a bug and is reported as one.
 */
async function validateJson(flags: PlanFlags, io: CliIo): Promise<number> {
  let document: ValidateDocument;
  let exitCode = 0;
  let loaded: Loaded | undefined;
  try {
    loaded = await loadConfig(flags, io);
    const plan = planOf(loaded);
    const warnings = plan.warnings.map(
      (message): ValidateDiagnostic => ({
        severity: 'warning',
        code: null,
        message,
        hint: null,
        location: null,
      }),
    );
    document = {
      format_version: VALIDATE_FORMAT_VERSION,
      valid: true,
      ...summary(loaded, io),
      diagnostics: [...loaded.warnings.map((d) => fromDiagnostic(d, io)), ...warnings],
    };
  } catch (error) {
    if (!StratumError.isInstance(error)) throw error;
    exitCode = CliError.isInstance(error) ? error.exitCode : 1;
    document = {
      format_version: VALIDATE_FORMAT_VERSION,
      valid: false,
      files: [],
      resources: null,
      hosts: null,
      diagnostics: fromError(error, io, loaded),
    };
  }
  // Diagnostics name secrets, never hold them; the map is the net under that promise.
  const json = JSON.stringify(document);
  io.out(io.redaction ? scrubText(json, io.redaction) : json);
  return exitCode;
}

function fromError(error: StratumError, io: CliIo, loaded: Loaded | undefined): ValidateDiagnostic[] {
  if (CliError.isInstance(error) && error.diagnostics.length > 0)
    return error.diagnostics.map((d) => fromDiagnostic(d, io));
  const hint = error.hint ?? null;
  if (ConfigError.isInstance(error)) {
    const span = error.line > 0 ? error.span : undefined;
    const location = span && {
      file: span.file === undefined ? null : shown(span.file, io),
      line: span.start.line,
      column: span.start.column,
      end_line: span.end.line,
      end_column: span.end.column,
    };
    return [
      { severity: 'error', code: error.code, message: error.message, hint, location: location ?? null },
    ];
  }
  // The planner's and the CLI's messages may start with `file:line:col: ` for a terminal; the location says that here.
  const at = /^(\S+):(\d+):(\d+): /.exec(error.message);
  const location = at
    ? { file: at[1] ?? null, line: Number(at[2]), column: Number(at[3]) }
    : blockOf(error, loaded, io);
  const message = at ? error.message.slice(at[0].length) : error.message;
  return [{ severity: 'error', code: error.code, message, hint, location }];
}

/** A planner refusal's first resource block. */
function blockOf(error: StratumError, loaded: Loaded | undefined, io: CliIo) {
  if (!PlanError.isInstance(error) || loaded === undefined) return null;
  const [address] = error.addresses;
  const block = loaded.desired.find((r) => addrKey(r.addr) === address)?.source?.block;
  return block ? locationOf(block, io) : null;
}

function fromDiagnostic(d: Diagnostic, io: CliIo): ValidateDiagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    hint: d.hint ?? null,
    location: d.location ? locationOf(d.location, io) : null,
  };
}

function locationOf(location: SourceLocation, io: CliIo) {
  return {
    file: location.file === undefined ? null : shown(location.file, io),
    line: location.line,
    column: location.column,
  };
}

function shown(file: string, io: CliIo): string {
  return relative(io.cwd, file) || file;
}
